"""Small stand-ins for servers the tests cannot run for real, each started as its own
process and spoken to over its documented protocol."""
