package sqlio

// hook, when set, is called at the named points of a write, so that the kill tests (package
// data's TestSQLKill*) can stop a writer exactly there:
//
//	"task"      a task's rows are loaded into the staging table; its transaction is open
//	"tasks"     every task has committed; the commit transaction is about to begin
//	"commit"    the commit transaction has run its statements and is not yet committed
//
// A nil hook costs a load and a branch at each point.
var hook func(point string)

// SetTestHook sets the hook; only tests call it.
func SetTestHook(f func(point string)) { hook = f }

func testPoint(p string) {
	if hook != nil {
		hook(p)
	}
}
