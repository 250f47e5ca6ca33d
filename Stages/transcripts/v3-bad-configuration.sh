# The usage text after the first line is long; the walkthrough shows that it follows.
shown 'RATE_LIMIT_CAPACITY=-1 swift run V3DemoServer; echo "exit code $?"' | awk 'NR <= 2 || /^exit code/ { print; next } !skipped { print "(the list of variables follows)"; skipped = 1 }'
