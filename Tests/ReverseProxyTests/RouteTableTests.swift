import Testing
@testable import ReverseProxy

@Suite("Route table")
struct RouteTableTests {
    let api = try! BackendPool(name: "api", backends: [Backend(host: "127.0.0.1", port: 8001)])
    let users = try! BackendPool(name: "users", backends: [Backend(host: "127.0.0.1", port: 8002)])
    let site = try! BackendPool(name: "site", backends: [Backend(host: "127.0.0.1", port: 8003)])
    let admin = try! BackendPool(name: "admin", backends: [Backend(host: "127.0.0.1", port: 8004)])

    func table() throws -> RouteTable {
        try RouteTable([
            Route(pathPrefix: "/", pool: site),
            Route(pathPrefix: "/api", pool: api),
            Route(pathPrefix: "/api/users", pool: users),
            Route(pathPrefix: "/api", host: "admin.example", pool: admin),
        ])
    }

    @Test func longestPrefixWinsWhateverTheOrderOfRoutes() throws {
        let table = try table()
        #expect(table.route(hostField: "x", path: "/api/users/7")?.pool.name == "users")
        #expect(table.route(hostField: "x", path: "/api/orders")?.pool.name == "api")
        #expect(table.route(hostField: "x", path: "/index.html")?.pool.name == "site")
    }

    @Test func prefixesMatchWholeSegmentsOnly() throws {
        let table = try table()
        #expect(table.route(hostField: "x", path: "/api")?.pool.name == "api")
        #expect(table.route(hostField: "x", path: "/apis")?.pool.name == "site")
        #expect(table.route(hostField: "x", path: "/api/usersettings")?.pool.name == "api")
    }

    @Test func hostNameDropsThePortAndKeepsABracketedAddressWhole() {
        #expect(Route.hostName(ofHostField: "example.com:8080") == "example.com")
        #expect(Route.hostName(ofHostField: "example.com") == "example.com")
        #expect(Route.hostName(ofHostField: "[2001:db8::1]:443") == "[2001:db8::1]")
        #expect(Route.hostName(ofHostField: "[::1]") == "[::1]")
        #expect(Route.hostName(ofHostField: "") == "")
    }

    @Test func tableWithoutHostRoutesNeverReadsTheHostField() throws {
        let table = try RouteTable([Route(pathPrefix: "/", pool: site), Route(pathPrefix: "/api", pool: api)])
        var reads = 0
        func host() -> String? {
            reads += 1
            return "admin.example"
        }
        #expect(table.route(hostField: host(), path: "/api/x")?.pool.name == "api")
        #expect(reads == 0)
        #expect(try self.table().route(hostField: host(), path: "/api/x")?.pool.name == "admin")
        #expect(reads == 1)
    }

    @Test func routeForTheRequestsHostBeatsOneForAnyHostIgnoringCaseAndPort() throws {
        let table = try table()
        #expect(table.route(hostField: "ADMIN.example:8080", path: "/api/x")?.pool.name == "admin")
        #expect(table.route(hostField: "admin.example", path: "/api/users/1")?.pool.name == "users")
        #expect(table.route(hostField: nil, path: "/api/x")?.pool.name == "api")
    }

    @Test func requestMatchingNoRouteGetsNone() throws {
        let table = try RouteTable([Route(pathPrefix: "/api", pool: api)])
        #expect(table.route(hostField: "x", path: "/other") == nil)
        #expect(table.route(hostField: "x", path: "*") == nil)
    }

    @Test func invalidOrDuplicateRoutesAreRefusedNamingTheField() {
        #expect(throws: ReverseProxyConfigurationError.self) { try RouteTable([Route(pathPrefix: "api", pool: api)]) }
        #expect(throws: ReverseProxyConfigurationError.self) { try RouteTable([Route(pathPrefix: "/", host: "a:80", pool: api)]) }
        do {
            _ = try RouteTable([Route(pathPrefix: "/a", pool: api), Route(pathPrefix: "/a", pool: site)])
            Issue.record("duplicate route accepted")
        } catch {
            #expect(error.description.contains("routes"))
        }
    }
}
