"""Limits shared by the CLI and the app, so a public Space and a laptop refuse the same things.

Each limit is enforced in `rnn_demo` (not in the UI) and listed in the README.
"""

MAX_NAME_LENGTH = 40  # letters after normalising; the longest real surnames are ~25
MAX_ROWS = 50_000  # names in one table (the classic set has ~20k)
MAX_LABELS = 50  # distinct labels (languages) in one table
MAX_LABEL_LENGTH = 40  # characters in one label
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a CSV, .txt or .zip upload
MAX_COLUMNS = 20  # in an uploaded CSV (we read two: name and label)
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024  # all members of a .zip together, once inflated
MAX_ZIP_MEMBERS = 200  # files inside one .zip
MAX_CHECKPOINT_BYTES = 20 * 1024 * 1024  # an uploaded checkpoint
MAX_CLASSIFY_NAMES = 200  # names classified in one call

# The settings' ranges (hidden size, layers, epochs, ...) are declared with them, in settings.py.
MAX_TRAIN_SECONDS = 300  # one training run in the app stops itself after this
