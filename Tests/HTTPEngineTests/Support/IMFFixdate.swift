import Glibc

/// Seconds since the epoch for a strict IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
/// nil for anything else, including a weekday that does not match the date.
func parseIMFFixdate(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    guard bytes.count == 29 else { return nil }
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func field(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    func number(_ range: Range<Int>) -> Int? {
        guard bytes[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(field(range))
    }
    guard let weekday = days.firstIndex(of: field(0..<3)),
          field(3..<5) == ", ", field(7..<8) == " ", field(11..<12) == " ", field(16..<17) == " ",
          field(19..<20) == ":", field(22..<23) == ":", field(25..<29) == " GMT",
          let day = number(5..<7), let month = months.firstIndex(of: field(8..<11)), let year = number(12..<16),
          let hour = number(17..<19), let minute = number(20..<22), let second = number(23..<25),
          (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    let seconds = timegm(&parts)
    // timegm normalises out-of-range days and fills in the weekday, so both must survive unchanged.
    guard parts.tm_mday == Int32(day), parts.tm_wday == Int32(weekday) else { return nil }
    return Int(seconds)
}
