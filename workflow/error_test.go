package workflow_test

import (
	"errors"
	"fmt"
	"testing"

	"mcu/workflow"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("storage: %w", err) }
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("boom"), workflow.EInternal},
		{wrap(workflow.Errorf(workflow.ENotFound, "appeal 1 not found")), workflow.ENotFound},
		{wrap(workflow.ErrInviteUsed), workflow.EConflict},
		{wrap(workflow.ErrInviteExpired), workflow.EInvalid},
		{&workflow.Error{Code: workflow.EForbidden, Message: "outer", Err: workflow.ErrInviteUsed}, workflow.EForbidden},
	}
	for _, c := range cases {
		if got := workflow.ErrorCode(c.err); got != c.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	if err := wrap(workflow.ErrInviteUsed); !errors.Is(err, workflow.ErrInviteUsed) || errors.Is(err, workflow.ErrInviteExpired) {
		t.Errorf("errors.Is does not tell %v apart", err)
	}
	if got, want := workflow.ErrInviteUsed.Error(), "workflow: conflict: invite already used"; got != want {
		t.Errorf("ErrInviteUsed.Error() = %q, want %q", got, want)
	}
}
