# formats (issue 15): runs the WebDataset tar-reader, TFRecord framing and Avro container
# block fuzz targets for 5 s each (about 30 s with the builds).
if ! command -v go >/dev/null; then
  echo "40-formats: go not found; fuzzing skipped"
  return 0
fi
go test ./data/read/ -run '^$' -fuzz '^FuzzTarSamples$' -fuzztime 5s
go test ./data/read/ -run '^$' -fuzz '^FuzzTFRecords$' -fuzztime 5s
go test ./data/read/ -run '^$' -fuzz '^FuzzAvroBlocks$' -fuzztime 5s
