package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/looplab/fsm"
	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// The intake dialog is a state machine of its own, kept apart from the
// appeal's lifecycle: its steps are the prompts and buttons of a Telegram
// conversation, not the life of an appeal, so it lives here in bot, next
// to the prompts it drives, and only its result (workflow.NewAppeal)
// reaches the workflow. Like the appeal's, its table is one immutable
// looplab/fsm event list; each step builds a throwaway FSM over it from
// the state stored in the dialogs table, so a restart loses nothing.

// Steps of the intake dialog (tgstate.Dialog.State).
const (
	stepDirection = "direction" // choose the direction (or «Не знаю»)
	stepDetails   = "details"   // describe the problem, with photos
	stepLocation  = "location"  // a place on the map or an address (optional)
	stepPhone     = "phone"     // a phone number (optional)
	stepConfirm   = "confirm"   // the summary: «Отправить», «Изменить», «Отменить»
	stepEdit      = "edit"      // what to change
)

// Events of the intake dialog.
const (
	evChoose         = "choose"           // a direction chosen
	evNext           = "next"             // on to the next step
	evBack           = "back"             // back to the previous step
	evReview         = "review"           // a changed step done: back to the summary
	evEdit           = "edit"             // «Изменить»
	evChangeDir      = "change_direction" // change the direction
	evChangeDetails  = "change_details"   // change the description and photos
	evChangeLocation = "change_location"  // change the place
	evChangePhone    = "change_phone"     // change the phone
)

// intakeTransitions is the intake's one transition table.
//
// The way through is short: a direction, the description (with photos
// and, if the resident likes, a place on the map sent with 📎), then the
// summary. The place by button or address and the phone are offered from
// the summary («Изменить»), so that a plain appeal costs few messages
// (see promptIntake).
var intakeTransitions = fsm.Events{
	{Name: evChoose, Src: []string{stepDirection}, Dst: stepDetails},
	{Name: evNext, Src: []string{stepDetails, stepLocation, stepPhone}, Dst: stepConfirm},
	{Name: evBack, Src: []string{stepDetails}, Dst: stepDirection},
	{Name: evBack, Src: []string{stepConfirm}, Dst: stepDetails},
	{Name: evBack, Src: []string{stepLocation, stepPhone, stepEdit}, Dst: stepConfirm},
	{Name: evReview, Src: []string{stepDirection, stepDetails, stepLocation, stepPhone}, Dst: stepConfirm},
	{Name: evEdit, Src: []string{stepConfirm}, Dst: stepEdit},
	{Name: evChangeDir, Src: []string{stepEdit}, Dst: stepDirection},
	{Name: evChangeDetails, Src: []string{stepEdit}, Dst: stepDetails},
	{Name: evChangeLocation, Src: []string{stepEdit}, Dst: stepLocation},
	{Name: evChangePhone, Src: []string{stepEdit}, Dst: stepPhone},
}

// intakeNext returns the step the dialog reaches from step by event, and
// whether the event is allowed there.
func intakeNext(step, event string) (string, bool) {
	m := fsm.NewFSM(step, intakeTransitions, nil)
	if !m.Can(event) {
		return "", false
	}
	if err := m.Event(context.Background(), event); err != nil {
		return "", false
	}
	return m.Current(), true
}

// maxPhotos is how many photos one appeal may carry (an album holds 10).
const maxPhotos = 10

// intakeData is what the resident has given so far.
type intakeData struct {
	// ID tells this dialog's buttons from those of an earlier one, Turn
	// those of an earlier step of this one (it counts the moves).
	ID        uint32                `json:"id"`
	Turn      int                   `json:"turn,omitempty"`
	Direction string                `json:"direction,omitempty"` // "" for «Не знаю»
	Text      string                `json:"text,omitempty"`
	Photos    []workflow.Attachment `json:"photos,omitempty"`
	// Album is the media group last acknowledged: the photos of an album
	// arrive as separate updates, and only the first gets an answer.
	Album string `json:"album,omitempty"`
	// Warned is the media group already told it brought too many photos.
	Warned   string             `json:"warned,omitempty"`
	Location *workflow.Location `json:"location,omitempty"`
	Address  string             `json:"address,omitempty"`
	Phone    string             `json:"phone,omitempty"`
	// Editing says a step was reopened from the summary: when it is done
	// the summary comes back.
	Editing bool `json:"editing,omitempty"`
}

// id is what the dialog's buttons carry: the dialog and its turn, so that
// a button of an earlier step (or an earlier summary) is stale.
func (d *intakeData) id() string {
	return strconv.FormatUint(uint64(d.ID), 10) + "." + strconv.Itoa(d.Turn)
}

func decodeIntake(d *tgstate.Dialog) (*intakeData, error) {
	var data intakeData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return nil, fmt.Errorf("decode intake dialog: %w", err)
	}
	return &data, nil
}

// saveIntake stores the dialog at step with data.
func (b *Bot) saveIntake(c tele.Context, step string, data *intakeData) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode intake dialog: %w", err)
	}
	return b.opts.Store.SaveDialog(contextOf(c), &tgstate.Dialog{
		UserID: c.Sender().ID, ChatID: c.Chat().ID, Kind: dialogIntake, State: step, Data: raw,
	})
}

// onNew starts an appeal; an unfinished one is offered to continue.
func (b *Bot) onNew(c tele.Context, r *workflow.ResidentProfile) error {
	ctx := contextOf(c)
	d, err := b.findDialog(ctx, c)
	if err != nil {
		return b.fail(c, err)
	}
	if d != nil && (d.Kind == dialogReply || d.Kind == dialogComment) {
		// A reply or comment left unfinished gives way; the appeal it put
		// aside comes back.
		if _, err := b.dropAside(ctx, d); err != nil {
			return b.fail(c, err)
		}
		if d, err = b.findDialog(ctx, c); err != nil {
			return b.fail(c, err)
		}
	}
	if d != nil && d.Kind == dialogIntake {
		data, err := decodeIntake(d)
		if err != nil {
			return b.fail(c, err)
		}
		m := &tele.ReplyMarkup{}
		m.Inline(m.Row(
			m.Data(render.BtnContinue, "r_in", data.id(), d.State, "cont"),
			m.Data(render.BtnStartOver, "r_in", data.id(), d.State, "over"),
		))
		return c.Send(render.TextIntakeUnfinished, m)
	}
	if d != nil {
		return errPass
	}
	if retryAt, err := b.limitedUntil(ctx, r); err != nil {
		return b.fail(c, err)
	} else if !retryAt.IsZero() {
		return c.Send(render.LimitedText(b.opts.Service.AppealsPerHour, retryAt, b.opts.Location, false))
	}
	return b.startIntake(c, &intakeData{}, "")
}

// limitedUntil returns when the resident may submit again, or the zero
// time when they may now: the hourly limit counted as the workflow counts
// it at submission, told before they write rather than after.
func (b *Bot) limitedUntil(ctx context.Context, r *workflow.ResidentProfile) (time.Time, error) {
	perHour := b.opts.Service.AppealsPerHour
	if perHour <= 0 {
		return time.Time{}, nil
	}
	recent, _, err := b.opts.Store.FindResidentAppeals(ctx, r.ID, perHour, 0)
	if err != nil || len(recent) < perHour {
		return time.Time{}, err
	}
	// The perHour-th newest leaves the hour's window first.
	retryAt := recent[perHour-1].CreatedAt.Add(time.Hour)
	if !retryAt.After(b.opts.Now()) {
		return time.Time{}, nil
	}
	return retryAt, nil
}

// startIntake begins a new intake dialog with what was given already.
func (b *Bot) startIntake(c tele.Context, data *intakeData, lead string) error {
	data.ID = rand.Uint32()
	if err := b.saveIntake(c, stepDirection, data); err != nil {
		return b.fail(c, err)
	}
	return b.promptIntake(c, "", stepDirection, data, lead)
}

// intakeFromText starts an appeal with a text written outside a dialog,
// so that nothing typed is lost; a word or two gets the menu hint.
func (b *Bot) intakeFromText(c tele.Context, r *workflow.ResidentProfile) error {
	text, ok := description(c.Text())
	if !ok {
		return c.Send(render.TextMenuHint, mainMenu())
	}
	return b.startIntake(c, &intakeData{Text: text}, render.TextIntakeDirectionSaved)
}

// intakeFromPhoto starts an appeal with a photo sent outside a dialog.
func (b *Bot) intakeFromPhoto(c tele.Context) error {
	data := &intakeData{}
	addPhoto(data, c.Message())
	return b.startIntake(c, data, render.TextIntakePhotoDirection)
}

// promptIntake asks for what step needs. A step reached by a pressed
// button takes the place of the pressed message, its text and buttons
// edited in place; one reached by something the resident sent comes as a
// new message, and so does a step with a keyboard of its own (the place,
// the phone), which only a new message can bring. Leaving such a step
// brings the main menu back. from is the step left ("" at the start);
// lead, when set, replaces the step's usual first line.
func (b *Bot) promptIntake(c tele.Context, from, step string, data *intakeData, lead string) error {
	resetKeyboard := (from == stepLocation || from == stepPhone) && step != stepLocation && step != stepPhone
	if resetKeyboard {
		if err := c.Send(render.TextOK, mainMenu()); err != nil {
			return err
		}
	}
	p, err := b.intakePrompt(contextOf(c), step, data, lead)
	if err != nil {
		return b.fail(c, err)
	}
	return b.show(c, p.parts, p.markup, p.keyboard || resetKeyboard)
}

// prompt is what a step shows: its text (in parts when longer than a
// message), the markup under the last part, and whether that is a
// keyboard of its own (not inline buttons).
type prompt struct {
	parts    []string
	markup   *tele.ReplyMarkup
	keyboard bool
}

// intakePrompt returns the prompt of step.
func (b *Bot) intakePrompt(ctx context.Context, step string, data *intakeData, lead string) (prompt, error) {
	m := &tele.ReplyMarkup{}
	switch step {
	case stepDirection:
		dirs, err := b.opts.Store.FindDirections(ctx)
		if err != nil {
			return prompt{}, err
		}
		var rows []tele.Row
		for _, dir := range dirs {
			rows = append(rows, m.Row(m.Data(dir.Name, "r_dir", data.id(), dir.Code)))
		}
		rows = append(rows, m.Row(m.Data(render.BtnDontKnow, "r_dir", data.id(), "-")))
		rows = append(rows, b.intakeNav(m, step, data, false))
		m.Inline(rows...)
		return prompt{parts: []string{orText(lead, render.TextIntakeDirection)}, markup: m}, nil
	case stepDetails:
		text := render.TextIntakeDescribe
		if data.Editing {
			text = render.TextIntakeDescribeAgain
		}
		if data.Text != "" {
			text = render.TextIntakeTextSaved
		}
		m.Inline(b.intakeNav(m, step, data, data.Text != ""))
		return prompt{parts: []string{orText(lead, text)}, markup: m}, nil
	case stepLocation:
		m.ResizeKeyboard = true
		m.Reply(m.Row(m.Location(render.BtnSendLocation)), m.Row(m.Text(render.BtnSkip), m.Text(render.BtnBack)))
		return prompt{parts: []string{orText(lead, render.TextIntakeLocation)}, markup: m, keyboard: true}, nil
	case stepPhone:
		m.ResizeKeyboard = true
		m.Reply(m.Row(m.Contact(render.BtnSendPhone)), m.Row(m.Text(render.BtnSkip), m.Text(render.BtnBack)))
		return prompt{parts: []string{orText(lead, render.TextIntakePhone)}, markup: m, keyboard: true}, nil
	case stepConfirm:
		dirs, err := b.Directions(ctx)
		if err != nil {
			return prompt{}, err
		}
		name := render.TextDirectionNone
		if data.Direction != "" {
			name = render.ResidentDirectionName(data.Direction, dirs)
		}
		summary := render.IntakeSummary(render.IntakeDraft{Direction: name, Text: data.Text, Photos: len(data.Photos), Located: data.Location != nil, Address: data.Address, Phone: data.Phone})
		m.Inline(
			m.Row(m.Data(render.BtnSubmit, "r_in", data.id(), step, "submit")),
			m.Row(m.Data(render.BtnEdit, "r_in", data.id(), step, "edit"), m.Data(render.BtnCancel, "r_in", data.id(), step, "cancel")),
		)
		return prompt{parts: render.SplitText(summary, render.MaxMessageRunes), markup: m}, nil
	case stepEdit:
		m.Inline(
			m.Row(m.Data(render.BtnEditDirection, "r_in", data.id(), step, evChangeDir),
				m.Data(render.BtnEditText, "r_in", data.id(), step, evChangeDetails)),
			m.Row(m.Data(render.BtnEditLocation, "r_in", data.id(), step, evChangeLocation),
				m.Data(render.BtnEditPhone, "r_in", data.id(), step, evChangePhone)),
			m.Row(m.Data(render.BtnBack, "r_in", data.id(), step, evBack)),
		)
		return prompt{parts: []string{render.TextIntakeWhatToChange}, markup: m}, nil
	}
	return prompt{}, fmt.Errorf("intake: no prompt for step %q", step)
}

// show puts a prompt before the resident: in place of the pressed message
// when a button was pressed and the prompt is one message with inline
// buttons (or none), else as new messages, the pressed message losing its
// buttons so that they are not pressed again.
func (b *Bot) show(c tele.Context, parts []string, markup *tele.ReplyMarkup, newMessage bool) error {
	if cb := c.Callback(); cb != nil && cb.Message != nil && !newMessage && len(parts) == 1 {
		return c.Edit(parts[0], markup)
	}
	b.dropButtons(c)
	for i, part := range parts {
		var opts []any
		if i == len(parts)-1 && markup != nil {
			opts = append(opts, markup)
		}
		if err := c.Send(part, opts...); err != nil {
			return err
		}
	}
	return nil
}

// intakeNav is the row of «Дальше», «Назад» and «Отменить» under a
// prompt; «Назад» only where there is a step to go back to.
func (b *Bot) intakeNav(m *tele.ReplyMarkup, step string, data *intakeData, next bool) tele.Row {
	var row tele.Row
	if next {
		row = append(row, m.Data(render.BtnNext, "r_in", data.id(), step, evNext))
	}
	if step != stepDirection || data.Editing {
		row = append(row, m.Data(render.BtnBack, "r_in", data.id(), step, evBack))
	}
	return append(row, m.Data(render.BtnCancel, "r_in", data.id(), step, "cancel"))
}

func orText(lead, text string) string {
	if lead != "" {
		return lead
	}
	return text
}

// moveIntake fires event on the dialog, stores it and prompts for the
// step reached. A step reopened from the summary returns to the summary
// instead of going on.
func (b *Bot) moveIntake(c tele.Context, from string, data *intakeData, event string) error {
	to, ok := intakeNext(from, intakeEvent(from, data, event))
	if !ok {
		return respond(c, render.TextStale)
	}
	if to == stepConfirm {
		data.Editing = false
	}
	data.Turn++
	if err := b.saveIntake(c, to, data); err != nil {
		return b.fail(c, err)
	}
	return b.promptIntake(c, from, to, data, "")
}

// intakeEvent is the event that moves the dialog from step: a step
// reopened from the summary goes back to it instead of on or back.
func intakeEvent(step string, data *intakeData, event string) string {
	if data.Editing && step != stepEdit && (event == evNext || event == evBack || event == evChoose) {
		return evReview
	}
	return event
}
