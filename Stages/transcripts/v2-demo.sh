# The unprotected counts differ on every run; the locked column and the layout must not.
# mask: ^\d +\d+ admitted \(\d+ over\)
# mask: unprotected \d+\.\.\.\d+
shown 'swift run -c release V2Demo'
