serve 'RATE_LIMIT_MAX_KEYS=8 TRUSTED_PROXIES=127.0.0.1/32 RATE_LIMIT_CAPACITY=5 RATE_LIMIT_REFILL_PER_SECOND=0.01 swift run V3DemoServer'
shown 'for i in $(seq 100); do curl -s -o /dev/null -w "%{http_code}\n" -H "X-Forwarded-For: 10.0.0.$i" http://127.0.0.1:8080/; done | sort | uniq -c'
shown 'curl -s -o /dev/null -w "%{http_code}\n" -H "X-Forwarded-For: 198.51.100.7" http://127.0.0.1:8080/'
