package workflow

import "testing"

// A resident's Telegram id is personal: the log of a change names the
// staff member who made it, and a resident only as a resident.
func TestLoggedActorKeepsResidentsOut(t *testing.T) {
	if got := loggedActor(Resident(100000001)); got != 0 {
		t.Errorf("a resident is logged as %d", got)
	}
	if got := loggedActor(Staff(900001)); got != 900001 {
		t.Errorf("a staff member is logged as %d", got)
	}
}
