from translate.formats._inplace import InPlaceWriter


class Writer(InPlaceWriter):
    format = "markdown"
