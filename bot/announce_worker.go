package bot

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// announceBatch is how many recipients one transaction queues.
const announceBatch = 500

// progressEvery is how often, at most, the press secretary's progress
// message is edited.
const progressEvery = 10 * time.Second

// RunAnnouncements sends the approved announcements until ctx ends: every
// poll it runs SendAnnouncements.
func (b *Bot) RunAnnouncements(ctx context.Context, poll time.Duration) error {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := b.SendAnnouncements(ctx); err != nil && ctx.Err() == nil {
			b.logger.Warn("announcements: a step failed; tried again", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SendAnnouncements does one step of every approved announcement whose
// time has come: its recipients are queued in the outbox in batches of
// announceBatch (each batch a transaction of its own; the paced
// dispatcher sends them as bulk, behind the replies), the channel bound
// to channel gets it as a post, and the author's progress message is
// edited at most every progressEvery, and once more when every message
// is sent or given up.
func (b *Bot) SendAnnouncements(ctx context.Context) error {
	list, err := b.opts.Store.FindApprovedAnnouncements(ctx)
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := b.sendAnnouncement(ctx, a); err != nil {
			return fmt.Errorf("announcement %d: %w", a.ID, err)
		}
	}
	return nil
}

// announcementMessage is what a resident gets: the text with «Не
// присылать новости». With a photo, a text that fits a caption (1024
// characters) is its caption; a longer one follows the photo as a
// message of its own, with the button.
func announcementMessage(a *workflow.Announcement) outbox.Prepared {
	p := outbox.Prepared{Text: a.Text, Buttons: [][]outbox.Button{{{Text: render.BtnNewsStop, Unique: uniqueNewsStop}}}}
	if a.Photo == "" {
		return p
	}
	p.File = &outbox.File{Kind: outbox.FilePhoto, FileID: a.Photo}
	if utf8.RuneCountInString(a.Text) <= maxCaption {
		p.File.Caption, p.Text = a.Text, ""
	}
	return p
}

// maxCaption is Telegram's limit of a photo's caption.
const maxCaption = 1024

func (b *Bot) sendAnnouncement(ctx context.Context, a *workflow.Announcement) error {
	now := b.now()
	if !a.SendAt.IsZero() && now.Before(a.SendAt) {
		return nil
	}
	if a.QueuedAt.IsZero() {
		since := now.AddDate(0, 0, -a.Days)
		for {
			_, all, err := b.opts.Store.QueueAnnouncementBatch(ctx, a, announcementMessage(a), since, now, announceBatch)
			if err != nil {
				return err
			}
			if all {
				break
			}
		}
		var err error
		if a, err = b.opts.Store.FindAnnouncement(ctx, a.ID); err != nil {
			return err
		}
		b.logger.InfoContext(ctx, "announcement queued", "announcement_id", a.ID, "recipients", a.Total)
	}
	sent, failed, err := b.opts.Store.AnnouncementCounts(ctx, a.ID)
	if err != nil {
		return err
	}
	done := !a.QueuedAt.IsZero() && sent+failed >= a.Total
	text := render.AnnouncementProgress(a.ID, sent, a.Total, failed, done)
	if text == a.ProgressText || (!done && now.Sub(a.ProgressAt) < progressEvery) {
		return nil
	}
	if pending, err := b.opts.Store.OutboxPending(ctx, a.ProgressEdit); err != nil || pending {
		return err // the last edit has not gone yet: the next waits for it
	}
	ids, err := b.opts.Store.SentMessageIDs(ctx, a.ProgressRow)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil // the progress message is not sent yet
	}
	if done {
		ok, err := b.opts.Store.FinishAnnouncement(ctx, a.ID, fmt.Sprintf("sent %d, undelivered %d", sent, failed), now)
		if err != nil || !ok {
			return err
		}
		b.logger.InfoContext(ctx, "announcement sent", "announcement_id", a.ID, "sent", sent, "undelivered", failed)
	}
	edit, err := b.opts.Store.EnqueueReply(ctx, a.AuthorID, 0, outbox.Reply{Calls: []outbox.Call{{Edit: ids[0], Text: text}}})
	if err != nil {
		return err
	}
	return b.opts.Store.SetAnnouncementProgress(ctx, a.ID, 0, edit, text, now)
}
