# mask: ^Date: .*
serve 'RATE_LIMIT_KEY=api-key-or-ip TRUSTED_PROXIES=127.0.0.1/32 RATE_LIMIT_CAPACITY=1 RATE_LIMIT_REFILL_PER_SECOND=0.1 RATE_LIMIT_BODY=problem swift run V3DemoServer'
next_block
shown 'curl -s -o /dev/null -w "%{http_code}\n" -H "X-API-Key: alice" http://127.0.0.1:8080/'
shown 'curl -s -H "X-API-Key: alice" http://127.0.0.1:8080/'; echo
shown 'curl -s -o /dev/null -w "%{http_code}\n" -H "X-API-Key: bob" http://127.0.0.1:8080/'
shown 'curl -s -o /dev/null -w "%{http_code}\n" -H "X-Forwarded-For: 198.51.100.1" http://127.0.0.1:8080/'
shown 'curl -s -o /dev/null -w "%{http_code}\n" -H "X-Forwarded-For: 198.51.100.1" http://127.0.0.1:8080/'
shown 'curl -s -o /dev/null -w "%{http_code}\n" -H "X-Forwarded-For: 198.51.100.2" http://127.0.0.1:8080/'
shown 'curl -si -H "X-API-Key: $(head -c 10240 /dev/zero | tr "\\0" A)" http://127.0.0.1:8080/' | tr -d '\r'
