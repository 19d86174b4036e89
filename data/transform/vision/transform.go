package vision

import (
	"fmt"
	"math/rand/v2"
)

// Transform maps one image to another. It never modifies img.Pix; it returns a new image,
// or img itself when the transform leaves it unchanged. Random transforms draw only from
// rng, so a run is reproducible from rng's seed; deterministic transforms ignore rng,
// which may then be nil. A Transform holds no state between calls and is safe for
// concurrent use with distinct rngs, so one value can serve every worker of a batch
// function.
type Transform func(img Image, rng *rand.Rand) (Image, error)

// Compose returns a Transform that applies ts in order, stopping at the first error.
func Compose(ts ...Transform) Transform {
	return func(img Image, rng *rand.Rand) (Image, error) {
		for i, t := range ts {
			if t == nil {
				return Image{}, fmt.Errorf("sluice: vision: compose: transform %d is nil", i)
			}
			var err error
			if img, err = t(img, rng); err != nil {
				return Image{}, err
			}
		}
		return img, nil
	}
}

// NewRand returns a *rand.Rand seeded with seed, for reproducible random transforms.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func needRand(op string, rng *rand.Rand) error {
	if rng == nil {
		return fmt.Errorf("sluice: vision: %s: random transform needs a *rand.Rand", op)
	}
	return nil
}
