# formats (issue 15): runs the WebDataset tar-reader fuzz target for 5 s (about 15 s with the
# build). The TFRecord and Avro fuzz targets are not written yet.
if ! command -v go >/dev/null; then
  echo "40-formats: go not found; fuzzing skipped"
  return 0
fi
go test ./data/read/ -run '^$' -fuzz '^FuzzTarSamples$' -fuzztime 5s
