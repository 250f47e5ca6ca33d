# mask: ^Date: .*
serve 'RATE_LIMIT_MAX_KEYS=2 TRUSTED_PROXIES=127.0.0.1/32 RATE_LIMIT_CAPACITY=1 RATE_LIMIT_REFILL_PER_SECOND=0.01 RATE_LIMIT_BODY=problem swift run V3DemoServer'
shown 'for i in 1 2; do curl -s -o /dev/null -w "%{http_code}\n" -H "X-Forwarded-For: 198.51.100.$i" http://127.0.0.1:8080/; done'
shown 'curl -si -H "X-Forwarded-For: 198.51.100.3" http://127.0.0.1:8080/' | tr -d '\r'
