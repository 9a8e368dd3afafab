/// A cap on YAML alias references (`*name`), checked on the text before parsing: a few hundred
/// bytes of nested aliases expand into gigabytes (the "billion laughs" bomb), and configuration
/// files have no need for more than a handful.
public enum YAMLAliasLimit {
    public static let maximum = 16

    /// The number of alias references in `text` (a `*` starting a token, followed by a name).
    public static func count(in text: String) -> Int {
        var count = 0
        var previous: Character = "\n"
        var iterator = text.makeIterator()
        var current = iterator.next()
        while let character = current {
            let next = iterator.next()
            if character == "*", " \t\n\r[{,:-".contains(previous), let follower = next, follower.isLetter || follower.isNumber || follower == "_" {
                count += 1
            }
            previous = character
            current = next
        }
        return count
    }

    /// nil when `text` is within the cap, else the one-line reason.
    public static func violation(in text: String) -> String? {
        let found = count(in: text)
        return found > maximum ? "\(found) YAML alias references, over the limit of \(maximum) (alias expansion is refused)" : nil
    }
}
