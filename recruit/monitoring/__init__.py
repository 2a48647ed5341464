"""Equal-opportunities monitoring, kept apart from everything an assessor can reach."""
