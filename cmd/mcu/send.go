package main

import (
	"context"
	"errors"
	"fmt"

	"mcu/outbox"
	"mcu/workflow"
)

// queue is the outbox as the scheduled jobs and commands send through it.
// storage.DB implements it.
type queue interface {
	EnqueuePrepared(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error)
}

// errNoHeadChat says no chat is bound to head: the digest or report has
// nowhere to go.
var errNoHeadChat = errors.New("no chat is bound to head (/bind head in the head's chat, or a head invitation accepted)")

// toHeadAndLeader queues p for the head's chat and, when one is bound,
// the leader's (the digest, the monthly report); it returns the outbox
// ids. With no head chat it queues nothing and fails with errNoHeadChat.
func toHeadAndLeader(ctx context.Context, q queue, p outbox.Prepared) ([]int64, error) {
	head, err := q.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindHead}, p)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, errNoHeadChat
	}
	if err != nil {
		return nil, fmt.Errorf("send to the head: %w", err)
	}
	ids := []int64{head}
	leader, err := q.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindLeader}, p)
	switch {
	case err == nil:
		ids = append(ids, leader)
	case workflow.ErrorCode(err) != workflow.ENotFound:
		return ids, fmt.Errorf("send to the leader: %w", err)
	}
	return ids, nil
}
