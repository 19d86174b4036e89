package write

// hook, when set, is called at the named points of the write and commit protocol, so that the
// kill tests can stop a writer exactly there (export_test.go sets it; nothing else does):
//
//	"write"     a batch was encoded into the open file
//	"file"      a file was committed (made whole) in the staging area
//	"publish"   every file is staged; the commit is about to start
//	"published" one file (of several) was published: renamed, linked, copied or completed
//	"committed" the manifest is in place; the replaced version is not yet removed
//	"cleanup"   one replaced file was removed
//
// A nil hook costs a load and a branch at each point.
var hook func(point string)

func testPoint(p string) {
	if hook != nil {
		hook(p)
	}
}
