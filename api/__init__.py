"""The HTTP facade: submissions, actions and reads for clerks, citizens and supervisors."""
