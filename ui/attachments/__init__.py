"""Attachments in the app: the in-app viewer (images, PDF pages, text, all from bytes in
memory), the case pane's list of a case's files, and the list of files an officer
attaches to a reply, note or callback.

The bytes come from the encrypted cache (`Store.file_bytes`) and never go to a temp file
or another program; saving one out is the officer's explicit choice, recorded as a reveal
(`Actions.save_attachment`). File names are citizen input: plain text everywhere.
"""
