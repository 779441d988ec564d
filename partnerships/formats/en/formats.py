"""Dates and times in English, as every page of the site writes them: "24 September 2017",
"24 September 2017, 15:04" (24-hour, in TIME_ZONE). Partial dates (dates.py) write the part a
source gives in the same words: "September 2017", "2017", "24 September, year not stated".

Django's English formats ("Sept. 24, 2017, 3:04 p.m.") were what the admin showed for its
datetimes beside those partial dates and its own "2017-09-24 15:04" on history pages: three
ways in one admin. These replace them; what a form's input reads and accepts
(DATE_INPUT_FORMATS, ...) is Django's, unchanged."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
