import Testing
@testable import VisionData

/// What the audit keeps per file while it reads a million of them: the facts and the digest
/// stay small (a regression here costs a hundred megabytes at 10⁶ images).
@Suite struct AuditFootprintTests {
    @Test func perFileFactsStaySmall() {
        #expect(MemoryLayout<DataAudit.FileFacts>.stride <= 88)
        #expect(MemoryLayout<DataAudit.Digest>.stride == 32 && MemoryLayout<DataAudit.Digest>.alignment == 8)
    }

    @Test func factsKeepWhatTheyAreGiven() {
        var fact = DataAudit.FileFacts()
        #expect(fact.hash == nil && fact.pHash == nil && fact.contrast == nil && fact.channels == nil && fact.format == nil)
        fact.readable = true
        fact.hash = 0xFFFF_0000_FFFF_0000
        fact.pHash = 0
        fact.contrast = 12.5
        fact.channels = 3
        fact.setFormat(.jpeg)
        fact.width = 640
        fact.height = 480
        fact.means = (0.5, 0.25, 0.125, 0.3, 0.1, 0.02)
        #expect(fact.hash == 0xFFFF_0000_FFFF_0000 && fact.pHash == 0 && fact.contrast == 12.5)
        #expect(fact.channels == 3 && fact.format == "jpeg" && fact.pixels == 640 * 480)
        #expect(abs(fact.sum(1) - 0.25 * 640 * 480) < 1e-6)
        fact.hash = nil
        #expect(fact.hash == nil && fact.pHash == 0)
    }
}
