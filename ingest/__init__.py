"""Reading, splitting, embedding and storing documents."""
