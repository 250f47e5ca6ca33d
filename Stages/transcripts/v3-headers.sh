# mask: ^Date: .*
serve 'RATE_LIMIT_CAPACITY=3 RATE_LIMIT_REFILL_PER_SECOND=0.5 swift run V3DemoServer'
next_block
for _ in 1 2 3 4; do shown 'curl -si http://127.0.0.1:8080/hello' | tr -d '\r'; echo; done
shown 'sleep 2; curl -si http://127.0.0.1:8080/hello' | tr -d '\r'
