# The unprotected counts differ on every run, and so does their width and the padding after them;
# the locked column must not.
# mask: ^\d +\d+ admitted \(\d+ over\) +
# mask: unprotected \d+\.\.\.\d+
shown 'swift run -c release V2Demo'
