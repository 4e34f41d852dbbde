# Sourced by the NanoTWICE scripts (nanotwice_experiment.sh, compare_models.sh) with data_dir and out_dir set:
# checks the data, writes the test manifest OUT/test.csv (all 40 test images with their masks) and sets the
# training images (ITIA1141-1144) and the held-out validation image (ITIA1145).
if [ ! -d "$data_dir/Normal" ] || [ ! -d "$data_dir/Anomalous/gt" ]; then
  echo "NanoTWICE not found at $data_dir (expected Normal/ and Anomalous/; see ../shared/data/nanotwice/README.md)" >&2
  exit 1
fi
mkdir -p "$out_dir"
manifest="$out_dir/test.csv"
{
  echo "image,mask"
  for image in "$data_dir"/Anomalous/images/*.tif; do
    name=$(basename "$image" .tif)
    echo "$image,$data_dir/Anomalous/gt/${name}_gt.png"
  done
} > "$manifest"
train_images=("$data_dir"/Normal/ITIA114[1-4].tif)
validation_images=("$data_dir"/Normal/ITIA1145.tif)

