"""Every wire shape of Dejima: REST bodies, socket messages, events and job payloads.

This package imports nothing of the project; everything else imports it.
"""
