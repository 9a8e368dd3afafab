import Foundation
import Testing
import VisionData
import VisionTestSupport

@Suite struct DiscoveryTests {
    @Test func naturalOrderPutsTwoBeforeTen() {
        #expect(NaturalOrder.sorted(["class10", "class2", "class1", "Class3", "a"]) == ["Class3", "a", "class1", "class2", "class10"])
        #expect(NaturalOrder.less("img2.png", "img10.png"))
        #expect(!NaturalOrder.less("img10.png", "img2.png"))
    }

    @Test func imageFolderRules() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/class10/a.png")
        try TestTrees.touch("\(root)/class2/b.JPG")  // extension in any case
        try TestTrees.touch("\(root)/class2/nested/deeper/c.jpeg")  // nested folders belong to the class
        try TestTrees.touch("\(root)/class2/.hidden.png")  // hidden file
        try TestTrees.touch("\(root)/class2/notes.txt")  // not an image extension
        try TestTrees.touch("\(root)/.cache/x.png")  // hidden folder is not a class
        try TestTrees.touch("\(root)/stray.png")  // files at the root are not classes
        try FileManager.default.createSymbolicLink(atPath: "\(root)/class2/loop", withDestinationPath: root + "/class2")
        let dataset = try Dataset.load(root)
        #expect(dataset.source == .imageFolder)
        #expect(dataset.classes == ["class2", "class10"])
        #expect(dataset.items.map(\.relativePath) == ["class2/b.JPG", "class2/nested/deeper/c.jpeg", "class10/a.png"])
        #expect(dataset.items.map(\.label) == [0, 0, 1])
        #expect(dataset.classCounts == [2, 1])
    }

    @Test func symlinkedClassFolderIsFollowedOnce() throws {
        let root = try Fixtures.temporaryDirectory()
        let elsewhere = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(elsewhere)/x.png")
        try TestTrees.touch("\(root)/a/1.png")
        try FileManager.default.createSymbolicLink(atPath: "\(root)/b", withDestinationPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: "\(elsewhere)/self", withDestinationPath: elsewhere)
        let dataset = try Dataset.imageFolder(root: root)
        #expect(dataset.classes == ["a", "b"])
        #expect(dataset.items.map(\.relativePath) == ["a/1.png", "b/x.png"])
    }

    @Test func customExtensions() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/a/1.png")
        try TestTrees.touch("\(root)/a/2.webp")
        try TestTrees.touch("\(root)/b/3.WEBP")
        let dataset = try Dataset.imageFolder(root: root, options: DiscoveryOptions(extensions: [".webp"]))
        #expect(dataset.items.map(\.relativePath) == ["a/2.webp", "b/3.WEBP"])
    }

    @Test func missingRoot() {
        #expect(throws: DatasetError.rootNotFound(path: "/nonexistent/vision-data")) {
            try Dataset.load("/nonexistent/vision-data")
        }
    }

    @Test func noClassFolders() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/only-a-file.png")
        let error = #expect(throws: DatasetError.self) { try Dataset.load(root) }
        #expect(error?.description == "Couldn't find any class folder in \(root).")
    }

    @Test func emptyClassIsNamedUnlessAllowed() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/a/1.png")
        try TestTrees.touch("\(root)/b/readme.txt")
        try TestTrees.touch("\(root)/c/2.png")
        let error = #expect(throws: DatasetError.self) { try Dataset.load(root) }
        #expect(error == .emptyClasses(names: ["b"], extensions: ["png", "jpg", "jpeg"]))
        #expect(error?.description.hasPrefix("Found no valid file for the classes b. Supported extensions are: .png, .jpg, .jpeg") == true)
        let allowed = try Dataset.load(root, options: DiscoveryOptions(allowEmpty: true))
        #expect(allowed.classCounts == [1, 0, 1])
    }

    @Test func singleClassIsAnError() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/only/1.png")
        #expect(throws: DatasetError.singleClass(root: root, name: "only")) { try Dataset.load(root) }
    }

    @Test func presplitTree() throws {
        let root = try Fixtures.temporaryDirectory()
        for i in 0..<20 { try TestTrees.touch("\(root)/train/cat/\(i).png") }
        for i in 0..<20 { try TestTrees.touch("\(root)/train/dog/\(i).png") }
        try TestTrees.touch("\(root)/test/cat/t.png")
        try TestTrees.touch("\(root)/test/dog/u.png")
        let dataset = try Dataset.load(root)
        #expect(dataset.source == .presplit)
        #expect(dataset.classes == ["cat", "dog"])
        #expect(dataset.hasPresetSplits)
        #expect(dataset.items.filter { $0.presetSplit == .test }.map(\.relativePath) == ["test/cat/t.png", "test/dog/u.png"])
        // No val folder: val is carved from train, test stays as given.
        let split = Splitter.makeSplit(for: dataset, seed: 3)
        let splits = try split.assignments(for: dataset)
        let val = zip(dataset.items, splits).filter { $0.1 == .val }.map(\.0)
        #expect(!val.isEmpty && val.allSatisfy { $0.presetSplit == .train })
        #expect(zip(dataset.items, splits).filter { $0.1 == .test }.count == 2)
    }

    @Test func presplitTestWithAnUnknownClass() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/train/cat/1.png")
        try TestTrees.touch("\(root)/train/dog/1.png")
        try TestTrees.touch("\(root)/test/bird/1.png")
        #expect(throws: DatasetError.presplitClassMismatch(root: root, split: "test", classes: ["bird"])) { try Dataset.load(root) }
    }
}

@Suite struct ManifestTests {
    func folder() throws -> String {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/img/1.png")
        try TestTrees.touch("\(root)/img/2.png")
        try TestTrees.touch("\(root)/img/3.png")
        return root
    }

    @Test func readsPathsRelativeToTheCSV() throws {
        let root = try folder()
        try TestTrees.touch("\(root)/m.csv", "label,path,split\nok,img/1.png,train\ndefect,\"img/2.png\",test\nok,img/3.png,val\n")
        let dataset = try Dataset.load("\(root)/m.csv")
        #expect(dataset.source == .manifest)
        #expect(dataset.classes == ["defect", "ok"])
        #expect(dataset.items.map(\.label) == [1, 0, 1])
        #expect(dataset.items.map(\.presetSplit) == [.train, .test, .val])
        #expect(dataset.items[1].path == "\(root)/img/2.png")
    }

    @Test func missingColumn() throws {
        let root = try folder()
        try TestTrees.touch("\(root)/m.csv", "file,label\nimg/1.png,a\n")
        #expect(throws: DatasetError.manifestMissingColumns(path: "\(root)/m.csv", line: 1, missing: ["path"], found: ["file", "label"])) {
            try CSVManifest.load("\(root)/m.csv")
        }
    }

    @Test func unknownLabel() throws {
        let root = try folder()
        try TestTrees.touch("\(root)/m.csv", "path,label\nimg/1.png,a\n\nimg/2.png,c\n")
        let error = #expect(throws: DatasetError.self) {
            try CSVManifest.load("\(root)/m.csv", options: DiscoveryOptions(classes: ["a", "b"]))
        }
        #expect(error == .manifestUnknownLabel(path: "\(root)/m.csv", line: 4, label: "c", known: ["a", "b"]))
        #expect(error?.description == "\(root)/m.csv:4: unknown label 'c', expected one of a, b")
    }

    @Test func missingFile() throws {
        let root = try folder()
        try TestTrees.touch("\(root)/m.csv", "path,label\nimg/1.png,a\nimg/9.png,b\n")
        #expect(throws: DatasetError.manifestMissingFile(path: "\(root)/m.csv", line: 3, file: "img/9.png")) {
            try CSVManifest.load("\(root)/m.csv")
        }
    }

    @Test func duplicateRow() throws {
        let root = try folder()
        try TestTrees.touch("\(root)/m.csv", "path,label\r\nimg/1.png,a\r\nimg/2.png,b\r\n./img/1.png,a\r\n")
        #expect(throws: DatasetError.manifestDuplicateRow(path: "\(root)/m.csv", line: 4, firstLine: 2, file: "./img/1.png")) {
            try CSVManifest.load("\(root)/m.csv")
        }
    }

    @Test func badSplitValueAndShortRow() throws {
        let root = try folder()
        try TestTrees.touch("\(root)/m.csv", "path,label,split\nimg/1.png,a,holdout\n")
        #expect(throws: DatasetError.manifestInvalidSplit(path: "\(root)/m.csv", line: 2, value: "holdout")) {
            try CSVManifest.load("\(root)/m.csv")
        }
        try TestTrees.touch("\(root)/n.csv", "path,label\nimg/1.png\n")
        #expect(throws: DatasetError.manifestMalformedRow(path: "\(root)/n.csv", line: 2, detail: "expected 2 fields, got 1")) {
            try CSVManifest.load("\(root)/n.csv")
        }
    }
}
