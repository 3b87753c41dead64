"""Why a file could not be turned into a document. Each message is shown to the clerk as is.

    IngestError
    ├── UnsupportedType     not a PDF, TIFF, JPEG or PNG by its magic bytes (415)
    ├── TooLarge            over the byte-size limit (413)
    ├── LimitExceeded       too many pages or pixels (decompression bombs land here)
    ├── CorruptFile         truncated, damaged or unreadable content
    ├── EncryptedFile       a password-protected PDF
    └── OcrFailed           Tesseract missing, timed out or crashed
"""


class IngestError(Exception):
    pass


class UnsupportedType(IngestError):
    pass


class TooLarge(IngestError):
    pass


class LimitExceeded(IngestError):
    pass


class CorruptFile(IngestError):
    pass


class EncryptedFile(IngestError):
    pass


class OcrFailed(IngestError):
    pass
