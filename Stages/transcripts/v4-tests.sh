# mask: after [0-9.]+ seconds
printf '$ %s\n' 'swift test --filter V4'
echo '…'
swift test --skip-build --filter V4 2>&1 | grep 'Test run with'
