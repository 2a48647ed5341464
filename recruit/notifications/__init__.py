"""Every email the service sends, in one place.

`catalog` has one typed function per email: it knows the email's template, its subject and the
context its template reads, and queues it through the outbox in the caller's transaction.
Services call the catalog, never the outbox's `enqueue_email`. `mail` turns a queued row into
a message and hands it to SMTP or the mail folder; only workers call it.
"""
