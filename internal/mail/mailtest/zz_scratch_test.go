package mailtest_test

import (
	"testing"

	"github.com/roster-hub/roster/internal/mail/mailtest"
)

func TestScratchStartStop(t *testing.T) {
	for range 2000 {
		s := mailtest.NewServer(t)
		s.Stop()
	}
}
