"""The core's refusals in the officer's language.

desk/ is Qt-free and words its refusals (ActionRefused) in English for logs and the CLI.
Every message it can raise is matched here and said again through Qt's translation
system, so the Chinese UI never shows "the body is longer than 5000 characters". A
message this table does not know falls back to a sentence chosen by its stable code.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from desk.actions import ActionRefused
from ui import text

# The fields desk.actions names in validation messages.
FIELDS = {
    "body": QT_TRANSLATE_NOOP("Refusal", "text"),
    "reason": QT_TRANSLATE_NOOP("Refusal", "reason"),
    "new status": QT_TRANSLATE_NOOP("Refusal", "new status"),
    "duration": QT_TRANSLATE_NOOP("Refusal", "duration"),
    "unit": QT_TRANSLATE_NOOP("Refusal", "unit"),
    "officer": QT_TRANSLATE_NOOP("Refusal", "officer"),
    "SMS notice": QT_TRANSLATE_NOOP("Refusal", "SMS notice"),
    "outcome": QT_TRANSLATE_NOOP("Refusal", "outcome"),
    "satisfaction": QT_TRANSLATE_NOOP("Refusal", "satisfaction"),
    "field": QT_TRANSLATE_NOOP("Refusal", "field"),
}

# (pattern of the English message, translatable sentence; %1, %2 are the groups).
PATTERNS = (
    (r"the (.+) must not be empty", QT_TRANSLATE_NOOP("Refusal", "The %1 must not be empty.")),
    (r"the (.+) is longer than (\d+) characters",
     QT_TRANSLATE_NOOP("Refusal", "The %1 is longer than %2 characters.")),
    (r"the (.+) must be at least (\S+)", QT_TRANSLATE_NOOP("Refusal", "The %1 must be at least %2.")),
    (r"the (.+) must be one of .*", QT_TRANSLATE_NOOP("Refusal", "The %1 has a value that is not allowed.")),
    (r"the case is not in the local cache", QT_TRANSLATE_NOOP("Refusal", "The case is not in the local cache.")),
    (r"no such conflict", QT_TRANSLATE_NOOP("Refusal", "There is no such conflict.")),
    (r"this conflict was resolved already .*", QT_TRANSLATE_NOOP("Refusal", "This conflict was resolved already.")),
    (r"this operation has no text to keep as a note",
     QT_TRANSLATE_NOOP("Refusal", "This action has no text to keep as a note.")),
    (r"only a supervisor may .*", QT_TRANSLATE_NOOP("Refusal", "Only a supervisor may do this.")),
    (r"the officer never held this case", QT_TRANSLATE_NOOP("Refusal", "You never held this case.")),
    (r"the officer no longer holds the case", QT_TRANSLATE_NOOP("Refusal", "You no longer hold this case.")),
    (r"the case is no longer in the officer's unit",
     QT_TRANSLATE_NOOP("Refusal", "The case is no longer in your unit.")),
    (r"the case is not in the (?:officer|supervisor)'s unit",
     QT_TRANSLATE_NOOP("Refusal", "The case is not in your unit.")),
    (r"a (\w+) case cannot be claimed", QT_TRANSLATE_NOOP("Refusal", "A case that is %1 cannot be claimed.")),
    (r"the officer holds the case already", QT_TRANSLATE_NOOP("Refusal", "The officer holds the case already.")),
    (r"another officer claimed the case", QT_TRANSLATE_NOOP("Refusal", "Another officer claimed the case.")),
    (r"only the assignee may do this", QT_TRANSLATE_NOOP("Refusal", "Only the assignee may do this.")),
    (r"the case is (\w+), not new", QT_TRANSLATE_NOOP("Refusal", "The case is %1, not new.")),
    (r"only the assignee or a supervisor may reply",
     QT_TRANSLATE_NOOP("Refusal", "Only the assignee or a supervisor may reply.")),
    (r"only the assignee or a supervisor may transfer",
     QT_TRANSLATE_NOOP("Refusal", "Only the assignee or a supervisor may transfer.")),
    (r"set_status cannot move a case to (\w+)", QT_TRANSLATE_NOOP("Refusal", "A case cannot be set to %1 here.")),
    (r"only a supervisor of the unit may reopen",
     QT_TRANSLATE_NOOP("Refusal", "Only a supervisor of the unit may reopen a case.")),
    (r"only the assignee may change the status",
     QT_TRANSLATE_NOOP("Refusal", "Only the assignee may change the status.")),
    (r"a (\w+) case cannot become (\w+)", QT_TRANSLATE_NOOP("Refusal", "A case that is %1 cannot become %2.")),
    (r"a (\w+) case cannot be transferred", QT_TRANSLATE_NOOP("Refusal", "A case that is %1 cannot be transferred.")),
    (r"no such unit", QT_TRANSLATE_NOOP("Refusal", "There is no such unit.")),
    (r"the case is in that unit already", QT_TRANSLATE_NOOP("Refusal", "The case is in that unit already.")),
    (r"no such officer in the case's unit", QT_TRANSLATE_NOOP("Refusal", "There is no such officer in the case's unit.")),
    (r"the case is (\w+)", QT_TRANSLATE_NOOP("Refusal", "Not possible: the case is %1.")),
    (r"unknown op type .*", QT_TRANSLATE_NOOP("Refusal", "This action is not known.")),
    (r"\w+ cannot be done on many cases at once",
     QT_TRANSLATE_NOOP("Refusal", "This action cannot be done on many cases at once.")),
    (r"at most (\d+) cases at once", QT_TRANSLATE_NOOP("Refusal", "Select at most %1 cases at once.")),
)

CODES = {
    "validation_failed": QT_TRANSLATE_NOOP("Refusal", "Some of what was entered is not valid."),
    "forbidden": QT_TRANSLATE_NOOP("Refusal", "You may not do this."),
    "invalid_transition": QT_TRANSLATE_NOOP("Refusal", "Not possible in the case's current status."),
    "not_assignee": QT_TRANSLATE_NOOP("Refusal", "Only the assignee may do this."),
    "out_of_scope": QT_TRANSLATE_NOOP("Refusal", "The case is not in your unit."),
    # Files (desk.attachments, Actions.check_attachment and save_attachment).
    "too_large": QT_TRANSLATE_NOOP("Refusal", "The file is larger than the server accepts."),
    "empty_file": QT_TRANSLATE_NOOP("Refusal", "The file is empty."),
    "unsupported_type": QT_TRANSLATE_NOOP(
        "Refusal", "This type of file is not accepted (photos in JPEG, PNG or WebP, PDF and plain text are)."),
    "unreadable_file": QT_TRANSLATE_NOOP("Refusal", "The file cannot be read."),
    "bad_name": QT_TRANSLATE_NOOP("Refusal", "The file's name is not usable; rename it first."),
    "too_many_files": QT_TRANSLATE_NOOP("Refusal", "Too many files for one entry."),
    "unknown_file": QT_TRANSLATE_NOOP("Refusal", "The case has no such file."),
    "not_cached": QT_TRANSLATE_NOOP("Refusal", "The file is not downloaded yet; it is with the next sync while online."),
    "exists": QT_TRANSLATE_NOOP("Refusal", "A file of that name is there already."),
    "write_failed": QT_TRANSLATE_NOOP("Refusal", "The file could not be written there."),
}


def _word(value: str) -> str:
    if value in FIELDS:
        return QCoreApplication.translate("Refusal", FIELDS[value])
    if value in text.STATUS:
        return text.label("Status", value)
    return value


def refusal_text(error: ActionRefused) -> str:
    """One sentence per part of the refusal, in the current language."""
    sentences = []
    for part in (p.strip() for p in error.message.split(";")):
        for pattern, source in PATTERNS:
            match = re.fullmatch(pattern, part)
            if match:
                sentence = QCoreApplication.translate("Refusal", source)
                for n, group in enumerate(match.groups(), start=1):
                    sentence = sentence.replace(f"%{n}", _word(group))
                sentences.append(sentence)
                break
        else:
            sentences.append(QCoreApplication.translate(
                "Refusal", CODES.get(error.code, QT_TRANSLATE_NOOP("Refusal", "The action is not possible now."))))
    return " ".join(dict.fromkeys(sentences))
