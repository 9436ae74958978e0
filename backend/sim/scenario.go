package sim

import (
	"errors"
	"time"
)

// LoadScenario reads a fleet from a YAML or JSON scenario file.
func LoadScenario(path string, now time.Time) (*Fleet, error) {
	return nil, errors.New("scenario files: not yet")
}
