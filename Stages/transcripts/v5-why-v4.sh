serve 'LISTEN_ADDR=127.0.0.1:8081 RATE_LIMIT_CAPACITY=5 RATE_LIMIT_REFILL_PER_SECOND=0.01 swift run V4DemoServer &'
serve 'LISTEN_ADDR=127.0.0.1:8082 RATE_LIMIT_CAPACITY=5 RATE_LIMIT_REFILL_PER_SECOND=0.01 swift run V4DemoServer &'
shown 'for i in $(seq 12); do curl -s -o /dev/null -w "%{http_code} " http://127.0.0.1:$((8081 + i % 2))/; done; echo'
