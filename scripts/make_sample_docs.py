"""Generate the binary sample documents in ``sample_docs/`` and verify the question set.

Every document describes the invented company Halvorsen Marine Instruments AS. All text
was written for localqa's demo and tests; none of it is copied from anywhere.

The script writes four binary files:

* ``northwind-handbook.pdf``  - employee handbook, eight pages, one section per page
* ``remote-work-memo.docx``   - hybrid-work memo with headings and a table
* ``release-plan.pptx``       - five-slide release plan
* ``sensor-specs.xlsx``       - two sheets of sensor specifications

The text documents next to them (``security-policy.md``, ``office-locations.html``,
``price-list.csv``, ``faq.txt``) are written by hand and committed as they are.

Regenerating needs the project's dependencies plus fpdf2, which localqa itself does not
use::

    .venv/bin/pip install fpdf2
    .venv/bin/python scripts/make_sample_docs.py           # write, then check
    .venv/bin/python scripts/make_sample_docs.py --check   # check only

Dates and metadata are fixed and the Office files' zip entries get a fixed timestamp,
so re-running produces byte-identical files for the same library versions.

The check extracts every page (PDF page, slide, sheet; other formats are one page) and
confirms that each page's distinctive facts and each gold answer of
``tests/sample_questions.jsonl`` appear on the page its evidence names and nowhere else.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sample_docs"
QUESTIONS = REPO / "tests" / "sample_questions.jsonl"

COMPANY = "Halvorsen Marine Instruments AS"
FIXED_TIME = datetime(2025, 9, 1, 9, 0, 0, tzinfo=UTC)
FIXED_ZIP_TIME = (2025, 9, 1, 9, 0, 0)
FIXED_ISO = "2025-09-01T09:00:00Z"

# --------------------------------------------------------------------------------------
# Employee handbook (PDF): one section per page, each with facts found on that page only.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]
    facts: tuple[str, ...]


HANDBOOK: tuple[Section, ...] = (
    Section(
        "1. Welcome to Halvorsen Marine Instruments",
        (
            "Halvorsen Marine Instruments designs and builds measuring equipment for people "
            "who work on and under the sea: depth loggers, temperature probes, current meters "
            "and the software that turns their readings into something a harbour master or a "
            "fish farmer can act on. This handbook explains how we work together, what you can "
            "expect from the company and what the company expects from you. Read it during "
            "your first week, and come back to it whenever a question comes up. Most answers "
            "are here; the rest are one conversation away.",
            "The company was founded in 1987 by the marine engineer Ingrid Halvorsen, who "
            "assembled the first Tidemark depth logger on a workbench in a rented boathouse. "
            "She sold eleven units in the first year, almost all of them to salmon farms along "
            "the west coast, and repaired every one of them herself. The workbench still "
            "stands in the entrance hall of the Bergen office, and new colleagues are welcome "
            "to sit at it for their first coffee.",
            "Today we employ 214 people. About half of us work in engineering and production, "
            "a quarter in sales, service and customer support, and the rest in the functions "
            "that keep the company running: finance, people and culture, IT and facilities. "
            "Our customers range from research institutes and offshore contractors to small "
            "harbour authorities, and we treat a single-unit order with the same care as a "
            "fleet contract.",
            "We ask everyone to hold on to three working habits. Be precise: an instrument is "
            "only as good as the trust people place in its numbers, and the same goes for what "
            "we say to each other. Be candid: raise a problem early, even when it is awkward. "
            "Leave the harbour cleaner than you found it: fix small things you notice, and "
            "hand over work in a state that the next person can pick up.",
            "The handbook is owned by People and Culture and is reviewed every January. This "
            "is edition 7.2, approved by the management group. If something here is unclear or "
            "seems out of date, tell your manager or write to People and Culture directly.",
        ),
        ("founded in 1987", "Ingrid Halvorsen", "214 people", "edition 7.2"),
    ),
    Section(
        "2. Working Hours and Annual Leave",
        (
            "The normal working week is 37.5 hours, Monday to Friday. You plan your own day "
            "within a flexible frame from 07:00 to 19:00, but everyone is expected to be "
            "available during the core hours from 09:30 to 14:30, when most meetings take "
            "place. If you need to be away during core hours for a doctor's appointment or a "
            "school event, tell your team in the shared calendar; there is no need to ask "
            "for permission for an hour here and there.",
            "Hours are recorded in the time-keeping system, Logbok, by 10:00 on the Monday "
            "after the week in question. Project codes matter because many of our customer "
            "contracts are billed by the hour, so please record time against the right project "
            "rather than a general code.",
            "Overtime must be agreed with your manager before it is worked, except in a "
            "genuine emergency such as a failed instrument on a vessel that is waiting in port. "
            "Approved overtime is paid with a 50 percent supplement, or taken as time off at "
            "the same rate if you prefer. We track overtime per team each quarter, and repeated "
            "overtime is treated as a planning problem to be solved, not as a badge of honour.",
            "Every employee has 27 working days of paid annual leave per calendar year, two "
            "days more than the statutory minimum. At least three consecutive weeks can be "
            "taken between June and September if you wish. Leave is requested in Logbok, and "
            "managers answer requests within five working days.",
            "Unused leave does not disappear straight away: you may carry over up to five "
            "days into the next year, but carried-over days must be used by 31 March. Days "
            "beyond that are lost unless your manager has confirmed in writing that work "
            "prevented you from taking them.",
        ),
        ("09:30 to 14:30", "27 working days", "31 March", "37.5 hours"),
    ),
    Section(
        "3. Parental Leave and Family Matters",
        (
            "We want new parents to spend the first months with their child without worrying "
            "about money. Every employee who becomes a parent, by birth, adoption or foster "
            "care, is entitled to 18 weeks of parental leave at full salary. Where the state "
            "benefit is capped below your salary, the company pays the difference, so your "
            "take-home pay stays the same for the whole period.",
            "The leave can be taken in one block or split into periods of at least two weeks, "
            "and it must be used before the child's third birthday. Please give your manager "
            "at least eight weeks' notice of your plans, so the team can arrange cover. Your "
            "job, salary development and bonus eligibility are protected while you are away.",
            "When you come back, you may choose a phased return: four weeks at 60 percent "
            "working time on full pay. Many parents use this to settle a new routine with "
            "nursery or day care, and nobody needs to give a reason for choosing it.",
            "Children fall ill, usually at the worst possible moment. Each parent has 12 care "
            "days per calendar year to stay home with a sick child under the age of twelve, "
            "and single parents have twice as many. Care days are registered in Logbok; no "
            "doctor's note is required.",
            "If a close family member dies, you have five days of paid bereavement leave, and "
            "your manager can grant more where the situation calls for it. For other serious "
            "family circumstances, such as caring for a parent in a difficult period, talk to "
            "People and Culture. We have arranged reduced hours, temporary remote work and "
            "unpaid leave before, and we would rather find a solution together than lose a "
            "colleague.",
        ),
        ("18 weeks", "60 percent", "12 care days", "bereavement leave"),
    ),
    Section(
        "4. Safety at Sea and in the Workshop",
        (
            "Much of our work ends up in salt water, and a fair share of it is tested there. "
            "Sea trials are run from the company's own trials boat, MS Kittiwake, which is "
            "moored at the Bergen office and carries up to eight people. Anyone joining a "
            "trial must hold a valid sea survival certificate and must be entered on the crew "
            "list no later than 15:00 on the day before departure. The skipper has the final "
            "word on whether a trip goes ahead, and weather calls are never questioned.",
            "Time spent at sea is demanding and often long. Employees on sea duty receive a "
            "sea duty supplement of NOK 2,400 per calendar day on board, on top of normal "
            "salary, and the days are recorded in Logbok under the trial's project code. Rest "
            "time on board counts as working time.",
            "In the workshop, safety glasses are required beyond the yellow line at all times. "
            "The pressure test chamber, which reaches 700 bar, is operated under a two-person "
            "rule: a test may only run when two trained colleagues are present, and one of "
            "them must stand at the control panel for the whole cycle. Training for the "
            "chamber is given twice a year by the workshop lead.",
            "Lithium battery packs are charged only in the fire-rated charging cabinet, never "
            "on a desk or overnight in an open room. Damaged or swollen packs go into the sand "
            "container by the workshop door, and the workshop lead must be told the same day.",
            "Report every accident and every near miss within 24 hours using the safety form "
            "on the intranet. A near miss is as valuable as an accident to learn from, and no "
            "one is blamed for reporting one. The safety committee reviews all reports each "
            "month and publishes what was changed as a result.",
        ),
        ("MS Kittiwake", "NOK 2,400", "700 bar", "two-person rule"),
    ),
    Section(
        "5. Travel and Expenses",
        (
            "Travel is part of the job for many of us, whether it is a customer visit in "
            "Aberdeen, an installation on a research vessel or a trade fair. Trips are agreed "
            "with your manager first, and then booked through our travel agency, Nordkapp "
            "Reiser, which can see the company's negotiated fares and keeps track of where "
            "travellers are if something goes wrong.",
            "Flights should be booked at least 21 days before departure whenever possible. "
            "Economy class is the rule for flights shorter than six hours; for longer flights "
            "premium economy may be booked. Train travel is preferred wherever the journey "
            "takes less than five hours door to door.",
            "Instead of collecting receipts for every meal, travellers receive a per diem that "
            "covers food and small local costs. The per diem for Oslo is NOK 1,150 per day, "
            "for Aberdeen GBP 95 per day and for Halifax CAD 140 per day. For other "
            "destinations, the government rates for the country in question apply. When a "
            "meal is provided by a customer or a conference, the per diem is reduced for that "
            "meal.",
            "If you use your own car for business travel, the company pays a mileage allowance "
            "of NOK 4.90 per kilometre, plus tolls and parking against receipts. Taxis are "
            "fine late at night or when carrying instruments; otherwise please use public "
            "transport.",
            "Expense claims are submitted in the expense app with a photo of each receipt "
            "within 30 days of returning home. Claims submitted later need your manager's "
            "approval and a short explanation. Reimbursement is paid with the next salary "
            "run after approval.",
        ),
        ("NOK 1,150", "GBP 95", "21 days", "Nordkapp Reiser", "NOK 4.90"),
    ),
    Section(
        "6. Laptops, Phones and Other Equipment",
        (
            "Everyone gets the equipment they need to do their job well, and the equipment "
            "remains company property. On your first day you will receive a laptop, a "
            "headset and, if your role requires one, a mobile phone. Engineers may also order "
            "a second screen and a docking station for the office desk.",
            "The laptop replacement cycle is 4 years. About two months before your laptop "
            "reaches that age, IT will contact you and ask you to choose between the two "
            "standard models. A laptop that breaks earlier is repaired or replaced right away, "
            "of course; the cycle only describes planned renewals. Old laptops are wiped and "
            "either donated to schools or recycled.",
            "Company phones are renewed when they stop receiving security updates from the "
            "manufacturer, not on a fixed schedule. You may use your company phone and laptop "
            "for reasonable private purposes, such as online banking or a video call home "
            "from a hotel, but not for running a private business or storing large private "
            "media collections.",
            "Software is installed from the company software centre. If you need a tool that "
            "is not there, ask the IT helpdesk; most requests are approved within two working "
            "days once the licence terms have been checked. Do not install software from other "
            "sources, even if it is free.",
            "The IT helpdesk is reachable at internal extension 4357, on the helpdesk chat, "
            "or in person on the second floor in Bergen between 08:00 and 16:00. If a laptop "
            "or phone is lost or stolen, call the helpdesk immediately, at any hour, so that "
            "the device can be locked and wiped remotely. Nobody is ever in trouble for "
            "reporting a lost device quickly.",
        ),
        ("4 years", "extension 4357", "two standard models"),
    ),
    Section(
        "7. Learning and Development",
        (
            "Our instruments keep improving only as long as the people who build them keep "
            "learning. Each employee has a personal training budget of NOK 18,000 per year for "
            "courses, certifications, books and online learning. You decide how to use it, in "
            "agreement with your manager, and the course does not need to be strictly related "
            "to your current role. Unused budget is not carried over.",
            "New colleagues are offered a place in Kompass, our mentoring programme. Each "
            "mentee is paired with an experienced colleague from a different department, and "
            "the pair meet once a month for nine months. Mentors receive a short training "
            "session before they start, and many former mentees go on to become mentors "
            "themselves.",
            "Everyone may attend one professional conference per year at company cost, in "
            "addition to the training budget. If you give a talk or present a poster, you may "
            "attend a second one. We ask conference visitors to share what they learned at the "
            "Friday breakfast meeting after they return.",
            "If you are studying for a degree or a formal qualification alongside your job, "
            "you receive up to ten paid days of study leave per year for exams and exam "
            "preparation. Tuition fees for studies that the company has approved in advance "
            "are reimbursed once each course is passed.",
            "The annual development conversation takes place in October. It is separate from "
            "the salary review and focuses on what you want to learn, what you want more or "
            "less of in your work, and how your manager can help. Prepare by reading the notes "
            "from last year's conversation, which are kept in the people system.",
        ),
        ("NOK 18,000", "Kompass", "nine months", "development conversation"),
    ),
    Section(
        "8. Conduct, Gifts and Leaving the Company",
        (
            "We expect everyone to treat colleagues, customers and suppliers with respect and "
            "to act honestly on the company's behalf. Harassment, discrimination and bullying "
            "are not tolerated, whoever is involved. If you experience or witness such "
            "behaviour, talk to your manager, to People and Culture or to a safety "
            "representative.",
            "Small gifts are part of normal business life, but they must never influence a "
            "decision. You may accept gifts from customers or suppliers with a value of up to "
            "NOK 500 per occasion. Anything more valuable, and any offer of travel or "
            "accommodation, must be declined politely or reported to your manager. Cash and "
            "gift cards are always refused, whatever the amount.",
            "If you suspect fraud, corruption or a serious breach of safety rules and do not "
            "feel comfortable raising it internally, you can use the Fyrlykt whistleblowing "
            "channel. It is run by an independent law firm, reports can be made anonymously, "
            "and nobody who reports in good faith will suffer any disadvantage for doing so.",
            "New employees start with a probation period of six months, during which the "
            "notice period is 14 days for both sides. After probation, the notice period is "
            "three months, counted from the first day of the month after notice is given. "
            "Longer notice periods in individual contracts take precedence.",
            "When you leave, your manager arranges an exit conversation with People and "
            "Culture, and we would like to hear honestly what could have been better. All "
            "equipment, access cards and keys are returned on your last working day. Former "
            "colleagues are always welcome at the summer party, and several have come back to "
            "work with us after some years elsewhere.",
        ),
        ("NOK 500 per occasion", "Fyrlykt", "six months", "three months"),
    ),
)


def build_pdf(path: Path) -> None:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class HandbookPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(
                0,
                10,
                f"{COMPANY} - Employee Handbook - Page {self.page_no()} of {len(HANDBOOK)}",
                align="C",
            )

    pdf = HandbookPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_title("Employee Handbook")
    pdf.set_author(COMPANY)
    pdf.set_subject("Employee handbook, edition 7.2")
    pdf.set_creator("scripts/make_sample_docs.py")
    pdf.set_lang("en")
    pdf.set_margins(left=20, top=20, right=20)
    pdf.set_auto_page_break(auto=True, margin=20)
    for section in HANDBOOK:
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.multi_cell(0, 9, section.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=11)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5.5, paragraph, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(3)
    if pdf.page_no() != len(HANDBOOK):
        raise SystemExit(f"handbook overflowed: {pdf.page_no()} pages for {len(HANDBOOK)}")
    pdf.output(str(path))


# --------------------------------------------------------------------------------------
# Remote-work memo (DOCX)
# --------------------------------------------------------------------------------------

MEMO_TITLE = "Memo: Hybrid Work from 1 September 2025"
MEMO_HEADER = (
    ("To", "All employees"),
    ("From", "Marte Vik, Chief People Officer"),
    ("Date", "18 August 2025"),
)
MEMO_INTRO = (
    "After a year of trying different arrangements team by team, the management group has "
    "agreed on one set of hybrid work rules for the whole company. They take effect on "
    "1 September 2025 and replace the interim guidelines from last spring."
)
MEMO_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Office days",
        (
            "Everyone works from the office at least two days per week. Each team has fixed "
            "anchor days, so that the people you work with most are in the building on the "
            "same days. Outside the anchor days you choose where you work, as long as you can "
            "reach the office within half a day if needed.",
        ),
    ),
    (
        "Home office support",
        (
            "To set up a proper workplace at home, each employee can claim a one-time home "
            "office grant of NOK 6,500 for a chair, a screen or a desk. Receipts are "
            "submitted in the expense app before 31 December 2025.",
            "In addition, an internet allowance of NOK 350 per month is paid with salary to "
            "everyone who works from home at least one day per week.",
        ),
    ),
    (
        "Working from abroad",
        (
            "You may work from another country in the EEA for up to 20 working days per "
            "calendar year, for example to extend a visit to family. Your manager and People "
            "and Culture must approve the plan at least ten days in advance, because of tax "
            "and insurance rules. Working from countries outside the EEA is not permitted.",
        ),
    ),
    (
        "Questions",
        (
            "Write to hybrid@halvorsen-marine.example or ask at the next all-hands meeting. "
            "We will review these rules with the works council in March 2026.",
        ),
    ),
)
MEMO_TABLE: tuple[tuple[str, str, str], ...] = (
    ("Team", "Anchor days", "Desk area"),
    ("Firmware", "Tuesday and Thursday", "Third floor, east wing"),
    ("Hardware and Workshop", "Monday and Wednesday", "Ground floor, workshop"),
    ("Sales and Support", "Wednesday and Friday", "Second floor, harbour side"),
    ("Finance and People", "Monday and Thursday", "Second floor, street side"),
)


def build_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = MEMO_TITLE
    props.author = COMPANY
    props.last_modified_by = COMPANY
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    props.last_printed = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1

    document.add_heading(MEMO_TITLE, level=0)
    for label, value in MEMO_HEADER:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    document.add_paragraph(MEMO_INTRO)
    for heading, paragraphs in MEMO_SECTIONS:
        document.add_heading(heading, level=1)
        for text in paragraphs:
            document.add_paragraph(text)
        if heading == "Office days":
            table = document.add_table(rows=0, cols=3)
            table.style = "Light Grid Accent 1"
            for row in MEMO_TABLE:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
    document.save(str(path))
    _normalize_zip(path)


# --------------------------------------------------------------------------------------
# Release plan (PPTX)
# --------------------------------------------------------------------------------------

SLIDES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Tidemark 5 Release Plan",
        (
            "Programme codename: Skarv",
            "Next generation of the Tidemark depth logger, firmware and hardware",
            "Presented to the product council by the programme team",
        ),
    ),
    (
        "Scope",
        (
            "New pressure sensor board with lower drift",
            "Automatic salinity compensation in firmware",
            "Battery life of 26 months at one sample per minute",
            "Bluetooth download replaces the cable cradle",
        ),
    ),
    (
        "Milestones",
        (
            "Pilot units to six customers: 14 October 2025",
            "Firmware feature freeze: 16 January 2026",
            "General availability: 3 March 2026",
        ),
    ),
    (
        "Risks",
        (
            "Pressure transducer comes from a single supplier",
            "Supplier lead time is 16 weeks, so orders are placed before the pilot ends",
            "Mitigation: qualify a second transducer by the feature freeze",
        ),
    ),
    (
        "Team and Contacts",
        (
            "Release manager: Jonas Aasen",
            "Firmware lead: Sunniva Rød",
            "Questions go to the programme channel, not to individual inboxes",
        ),
    ),
)


def build_pptx(path: Path) -> None:
    from pptx import Presentation

    presentation = Presentation()
    props = presentation.core_properties
    props.title = "Tidemark 5 Release Plan"
    props.author = COMPANY
    props.last_modified_by = COMPANY
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    props.last_printed = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1

    title_and_content = presentation.slide_layouts[1]
    for title, bullets in SLIDES:
        slide = presentation.slides.add_slide(title_and_content)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
    presentation.save(str(path))
    _normalize_zip(path)


# --------------------------------------------------------------------------------------
# Sensor specifications (XLSX)
# --------------------------------------------------------------------------------------

Row = tuple[str | int | float, ...]

DEPTH_HEADER: Row = (
    "Model",
    "Range (m)",
    "Accuracy (% FS)",
    "Resolution (mm)",
    "Housing",
    "Connector",
    "Notes",
)
DEPTH_ROWS: tuple[Row, ...] = (
    ("DS-50", 50, 0.1, 0.5, "Acetal", "HMI-4 dry", "Aquaculture pens"),
    ("DS-100", 100, 0.1, 1, "Acetal", "HMI-4 dry", "Harbour level monitoring"),
    ("DS-200", 200, 0.05, 2, "Acetal", "HMI-4 dry", "Fjord surveys"),
    ("DS-500", 500, 0.05, 5, "Stainless 316L", "HMI-6 wet-mate", "Standard mooring sensor"),
    ("DS-1000", 1000, 0.05, 10, "Stainless 316L", "HMI-6 wet-mate", "Shelf moorings"),
    ("DS-2000", 2000, 0.05, 20, "Stainless 316L", "HMI-6 wet-mate", "Slope moorings"),
    ("DS-3000", 3000, 0.1, 30, "Stainless 316L", "HMI-8 wet-mate", "Deep moorings"),
    ("DS-4000", 4000, 0.1, 40, "Stainless 316L", "HMI-8 wet-mate", "Deep moorings"),
    ("DS-6000", 6000, 0.1, 60, "Stainless 316L", "HMI-8 wet-mate", "Abyssal landers"),
    ("DS-6000T", 6000, 0.05, 60, "Titanium grade 5", "HMI-8 wet-mate", "Rated for ROV mounting"),
)
TEMP_HEADER: Row = (
    "Model",
    "Min (C)",
    "Max (C)",
    "Accuracy (C)",
    "Response time (s)",
    "Cable (m)",
    "Notes",
)
TEMP_ROWS: tuple[Row, ...] = (
    ("TP-10", -5, 35, 0.01, 1.5, 2, "Surface buoys"),
    ("TP-20", -5, 35, 0.005, 1.0, 5, "Mooring string element"),
    ("TP-25", -5, 35, 0.002, 0.8, 5, "Reference grade"),
    ("TP-30", -2, 40, 0.01, 0.5, 10, "Fish farm cages"),
    ("TP-40", -2, 40, 0.01, 0.5, 25, "Long cable version"),
    ("TP-60", -2, 60, 0.02, 0.4, 2, "Outfall monitoring"),
    ("TP-90", -2, 40, 0.002, 0.12, 1, "Fast response for profiling casts"),
    ("TP-120", 0, 120, 0.05, 2.0, 5, "Process water"),
    ("TP-200", 0, 200, 0.1, 3.0, 5, "Geothermal wells"),
    ("TP-450", 0, 450, 0.5, 4.0, 3, "For hydrothermal vent surveys"),
    ("TP-ICE", -40, 10, 0.02, 1.2, 10, "Sea ice and polar deployments"),
)
SHEETS: tuple[tuple[str, Row, tuple[Row, ...]], ...] = (
    ("Depth sensors", DEPTH_HEADER, DEPTH_ROWS),
    ("Temperature probes", TEMP_HEADER, TEMP_ROWS),
)


def build_xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    workbook.properties.title = "Sensor specifications"
    workbook.properties.creator = COMPANY
    workbook.properties.lastModifiedBy = COMPANY
    workbook.properties.created = FIXED_TIME.replace(tzinfo=None)
    workbook.properties.modified = FIXED_TIME.replace(tzinfo=None)
    for name, header, rows in SHEETS:
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for column, width in zip("ABCDEFG", (12, 10, 14, 16, 18, 16, 34), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"
    workbook.save(str(path))
    _normalize_zip(path)


# --------------------------------------------------------------------------------------
# Determinism helpers
# --------------------------------------------------------------------------------------

_CORE_DATE = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _normalize_zip(path: Path) -> None:
    """Rewrite an Office file with fixed entry timestamps and fixed core-property dates.

    The libraries stamp zip entries with the current time, and some overwrite the
    modification date on save; both would make every run produce a different file.
    """
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_DATE.sub(rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)


# --------------------------------------------------------------------------------------
# Verification: extract every page the way a reader would and look for the facts.
# --------------------------------------------------------------------------------------


def extract_pages(path: Path) -> list[str]:
    """Plain text of each citable page: PDF page, slide, sheet; other formats are one page."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return [page.extract_text() for page in PdfReader(path).pages]
    if suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        parts = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            parts.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
        return ["\n".join(parts)]
    if suffix == ".pptx":
        from pptx import Presentation

        slides = []
        for slide in Presentation(str(path)).slides:
            lines = [
                shape.text_frame.text
                for shape in slide.shapes
                if shape.has_text_frame and shape.text_frame.text
            ]
            slides.append("\n".join(lines))
        return slides
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheets = []
        for sheet in workbook.worksheets:
            lines = [
                " | ".join("" if value is None else str(value) for value in row)
                for row in sheet.iter_rows(values_only=True)
            ]
            sheets.append(f"{sheet.title}\n" + "\n".join(lines))
        workbook.close()
        return sheets
    if suffix in {".html", ".htm"}:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag in soup(["script", "style"]):
            tag.decompose()
        return [soup.get_text("\n")]
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return ["\n".join(", ".join(row) for row in csv.reader(handle))]
    return [path.read_text(encoding="utf-8")]


# Facts of the single-page text documents and the other binary files, by (file, page).
OTHER_FACTS: dict[tuple[str, int], tuple[str, ...]] = {
    ("remote-work-memo.docx", 1): (
        "two days per week",
        "Tuesday and Thursday",
        "NOK 6,500",
        "NOK 350 per month",
        "20 working days",
    ),
    ("release-plan.pptx", 1): ("Skarv",),
    ("release-plan.pptx", 2): ("26 months",),
    ("release-plan.pptx", 3): ("3 March 2026",),
    ("release-plan.pptx", 4): ("16 weeks",),
    ("release-plan.pptx", 5): ("Jonas Aasen",),
    ("sensor-specs.xlsx", 1): ("Titanium grade 5", "Rated for ROV mounting"),
    ("sensor-specs.xlsx", 2): ("TP-450", "hydrothermal vent"),
    ("security-policy.md", 1): ("14 characters", "within 2 hours", "5 minutes", "7 days"),
    ("office-locations.html", 1): (
        "Unit 7, Harbour Quay Business Park",
        "opened in 2019",
        "07:30",
    ),
    ("price-list.csv", 1): ("4900",),
    ("faq.txt", 1): ("20th of each month", "1 November", "HMI-Guest"),
    ("handbook-zh.md", 1): ("上午九点至下午五点", "300 元人民币", "海韵翻译"),
}

# Strings inside the HTML <script> and <style> blocks: they must never reach the index.
HTML_CANARIES = ("CANARY-SCRIPT-5521", "CANARY-STYLE-8830")

DOCUMENTS = (
    "northwind-handbook.pdf",
    "remote-work-memo.docx",
    "release-plan.pptx",
    "sensor-specs.xlsx",
    "security-policy.md",
    "office-locations.html",
    "price-list.csv",
    "faq.txt",
    "handbook-zh.md",
    "README.md",
)


def _find(needle: str, corpus: dict[tuple[str, int], str]) -> list[tuple[str, int]]:
    return [key for key, text in corpus.items() if needle.lower() in text.lower()]


def check() -> bool:
    """Print a report and return whether every fact and gold answer sits on its page only."""
    corpus: dict[tuple[str, int], str] = {}
    for name in DOCUMENTS:
        for number, text in enumerate(extract_pages(OUT / name), start=1):
            corpus[(name, number)] = text
    ok = True

    def report(passed: bool, message: str) -> None:
        nonlocal ok
        ok = ok and passed
        print(f"  [{'ok' if passed else 'FAIL'}] {message}")

    print("Handbook pages (pypdf):")
    handbook_pages = sum(1 for name, _ in corpus if name == "northwind-handbook.pdf")
    report(handbook_pages == len(HANDBOOK), f"{handbook_pages} pages, expected {len(HANDBOOK)}")
    facts: dict[tuple[str, int], tuple[str, ...]] = {
        ("northwind-handbook.pdf", number): section.facts
        for number, section in enumerate(HANDBOOK, start=1)
    }
    for number, section in enumerate(HANDBOOK, start=1):
        words = len(corpus.get(("northwind-handbook.pdf", number), "").split())
        report(250 <= words <= 420, f"page {number}: {words} words, '{section.heading}'")
    facts.update(OTHER_FACTS)

    print("Facts (each must occur on its own page and nowhere else):")
    for key, needles in facts.items():
        for needle in needles:
            where = _find(needle, corpus)
            report(where == [key], f"{key[0]} p{key[1]}: {needle!r} found at {where}")

    print("HTML script/style contents stay out of the extracted text:")
    html = corpus[("office-locations.html", 1)]
    raw = (OUT / "office-locations.html").read_text(encoding="utf-8")
    for canary in HTML_CANARIES:
        report(canary in raw and canary not in html, f"{canary} in source, not in text")

    print(f"Questions ({QUESTIONS.relative_to(REPO)}):")
    lines = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
    ids: set[str] = set()
    for line in lines:
        item = json.loads(line)
        report(item["id"] not in ids, f"{item['id']}: unique id")
        ids.add(item["id"])
        keys = [(evidence["source"], evidence["page"]) for evidence in item["evidence"]]
        for answer in item["answers"]:
            where = _find(answer, corpus)
            report(
                sorted(where) == sorted(keys),
                f"{item['id']}: {answer!r} found at {where}, evidence {keys}",
            )
    report(15 <= len(lines) <= 30, f"{len(lines)} questions")
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    return ok


def generate() -> None:
    OUT.mkdir(exist_ok=True)
    build_pdf(OUT / "northwind-handbook.pdf")
    build_docx(OUT / "remote-work-memo.docx")
    build_pptx(OUT / "release-plan.pptx")
    build_xlsx(OUT / "sensor-specs.xlsx")
    for name in DOCUMENTS:
        print(f"{name:28} {(OUT / name).stat().st_size:>8} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only verify, do not regenerate")
    args = parser.parse_args(argv)
    if not args.check:
        generate()
    return 0 if check() else 1


if __name__ == "__main__":
    sys.exit(main())
