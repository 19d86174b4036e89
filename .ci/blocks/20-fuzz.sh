# Fuzzing of the parsers that .ci/run's image-decoder loop does not cover: 5 s each for the
# CSV and JSON Lines readers, the Parquet reader (footers and pages), and the .npy codec and
# tensor metadata (about 40 s on 2 cores, with compilation). A crash fails CI and leaves its
# input under the package's testdata/fuzz, to be kept as a corpus entry.
for target in "./data/read FuzzReadCSV" "./data/read FuzzReadJSON" "./data/read FuzzReadParquet" \
  "./tensor FuzzReadNpy" "./tensor FuzzTensorMetadata"; do
  set -- $target
  echo "== go test $1 -fuzz $2 -fuzztime 5s"
  go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime 5s
done
