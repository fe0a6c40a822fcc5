package digest

import (
	"context"
	"errors"
	"fmt"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// Queue is where digests go: the outbox. storage.DB implements it.
type Queue interface {
	EnqueuePrepared(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error)
}

// Prepared is the digest as the outbox sends it: the chart with the text
// as its caption and the buttons under it, in one message; or, when the
// text is too long for a caption, the chart and then the text with its
// buttons. A note, when not empty, leads the text (a late digest says
// so).
func (m Message) Prepared(note string) outbox.Prepared {
	text := m.Text
	if note != "" {
		text = note + "\n" + text
	}
	p := outbox.Prepared{Buttons: buttons(m)}
	if render.FitsCaption(text) {
		p.File = &outbox.File{Kind: outbox.FilePhoto, Caption: text, Data: m.Chart}
		return p
	}
	p.File = &outbox.File{Kind: outbox.FilePhoto, Caption: render.DigestChartCaption, Data: m.Chart}
	p.Text = text
	return p
}

// buttons are the message's inline buttons as the outbox keeps them.
func buttons(m Message) [][]outbox.Button {
	if m.Markup == nil {
		return nil
	}
	var rows [][]outbox.Button
	for _, row := range m.Markup.InlineKeyboard {
		var r []outbox.Button
		for _, b := range row {
			r = append(r, outbox.Button{Text: b.Text, Unique: b.Unique, Data: b.Data})
		}
		rows = append(rows, r)
	}
	return rows
}

// ErrNoHeadChat says no chat is bound to head: the digest has nowhere to
// go.
var ErrNoHeadChat = errors.New("no chat is bound to head (/bind head in the head's chat, or a head invitation accepted)")

// Send queues the digest p for the head's chat and, when one is bound, the
// leader's; it returns the outbox ids. With no head chat it queues
// nothing and fails with ErrNoHeadChat.
func Send(ctx context.Context, q Queue, p outbox.Prepared) ([]int64, error) {
	head, err := q.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindHead}, p)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, ErrNoHeadChat
	}
	if err != nil {
		return nil, fmt.Errorf("digest: send to the head: %w", err)
	}
	ids := []int64{head}
	leader, err := q.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindLeader}, p)
	switch {
	case err == nil:
		ids = append(ids, leader)
	case workflow.ErrorCode(err) != workflow.ENotFound:
		return ids, fmt.Errorf("digest: send to the leader: %w", err)
	}
	return ids, nil
}
