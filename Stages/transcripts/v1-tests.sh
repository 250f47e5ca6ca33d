# mask: after [0-9.]+ seconds
printf '$ %s\n' 'swift test --filter V1'
echo '…'
swift test --skip-build --filter V1 2>&1 | grep 'Test run with'
