from localqa.cli.main import main

main()
