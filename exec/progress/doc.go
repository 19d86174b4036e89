// Package progress draws progress bars for sluice tasks and Dataset runs,
// the tqdm of Ray's examples, on github.com/vbauerster/mpb/v8.
//
// [Futures] shows one bar over a list of [exec.Future] values that advances
// as each resolves; [Bar] is the same bar driven by hand (a serial loop);
// [Operators] shows one line per operator of a Dataset run (rows, blocks,
// active tasks, memory in use), fed by [Operators.Update] from a stats
// snapshot callback.
//
// Two promises, against the wrong bars users meet elsewhere (ray#36181,
// ray#46420):
//
//   - Quiet off a terminal. When the output is not a terminal (a file, a
//     pipe, a CI log) nothing is written and no goroutine is started; the
//     counts are still kept. [WithForceTerminal] renders anyway.
//   - Honest at the end. Close draws a last frame with the real counts: a
//     bar that reached its total shows total/total, one stopped early shows
//     where it stopped, never a rounded-up 100%.
package progress
