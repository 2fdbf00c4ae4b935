"""Working time: the calendar, working-hour arithmetic and the clocks of a dossier.

Pure code, shared by the activities (which run it for workflows) and the API (which
accounts for time already spent). Workflows never import it: the `holidays` package makes
locale calls the workflow sandbox forbids.
"""
