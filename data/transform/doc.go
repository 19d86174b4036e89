// Package transform holds batch functions the Dataset API is built from and that user code
// may call directly: row gathers (Take), the local shuffle buffer, column operations. Every
// function takes the allocator to build its output with and says who releases what.
package transform
