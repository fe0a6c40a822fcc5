package bot

import (
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// What the intake dialog takes at each step: texts, photos (albums
// included), a place on the map, a contact.

// intakeText takes a text at any step.
func (b *Bot) intakeText(c tele.Context, r *workflow.ResidentProfile, d *tgstate.Dialog) error {
	data, err := decodeIntake(d)
	if err != nil {
		return b.fail(c, err)
	}
	text := c.Text()
	switch d.State {
	case stepDirection:
		dirs, err := b.opts.Store.FindDirections(contextOf(c))
		if err != nil {
			return b.fail(c, err)
		}
		if code, ok := matchDirection(text, dirs); ok {
			data.Direction = code
			return b.moveIntake(c, d.State, data, evChoose)
		}
		if _, ok := description(text); !ok {
			return c.Send(expectText(d.State))
		}
		if !appendText(data, text) {
			return c.Send(render.TextIntakeTooLong)
		}
		if err := b.saveIntake(c, d.State, data); err != nil {
			return b.fail(c, err)
		}
		return b.promptIntake(c, "", d.State, data, render.TextIntakeDirectionSaved)
	case stepDetails:
		if _, ok := description(joinText(data.Text, text)); !ok {
			return c.Send(render.TextIntakeMoreText)
		}
		if !appendText(data, text) {
			return c.Send(render.TextIntakeTooLong)
		}
		data.Album = ""
		if err := b.saveIntake(c, d.State, data); err != nil {
			return b.fail(c, err)
		}
		return b.promptIntake(c, "", d.State, data, render.TextIntakeTextSaved)
	case stepLocation:
		switch text {
		case render.BtnSkip:
			return b.moveIntake(c, d.State, data, evNext)
		case render.BtnBack:
			return b.moveIntake(c, d.State, data, evBack)
		}
		addr, ok := cleanAddress(text)
		if !ok {
			return c.Send(render.TextIntakeBadAddress)
		}
		data.Address, data.Location = addr, nil
		return b.moveIntake(c, d.State, data, evNext)
	case stepPhone:
		switch text {
		case render.BtnSkip:
			data.Phone = ""
			return b.moveIntake(c, d.State, data, evNext)
		case render.BtnBack:
			return b.moveIntake(c, d.State, data, evBack)
		}
		phone, ok := parsePhone(text)
		if !ok {
			return c.Send(render.TextIntakeBadPhone)
		}
		data.Phone = phone
		return b.moveIntake(c, d.State, data, evNext)
	}
	return c.Send(expectText(d.State))
}

// appendText adds a text to the description; it reports false when the
// description would be too long to keep.
func appendText(data *intakeData, text string) bool {
	joined := joinText(data.Text, text)
	if runeCount(joined) > workflow.MaxTextRunes {
		return false
	}
	data.Text = joined
	return true
}

// addPhoto adds the photo of m (and its caption, which counts as text);
// it reports false when the appeal has all the photos it may carry.
func addPhoto(data *intakeData, m *tele.Message) bool {
	if m.Caption != "" {
		appendText(data, m.Caption)
	}
	if len(data.Photos) >= maxPhotos {
		return false
	}
	data.Photos = append(data.Photos, workflow.Attachment{
		Kind: "photo", FileID: m.Photo.FileID, FileUniqueID: m.Photo.UniqueID,
	})
	return true
}

// intakePhoto takes a photo. The photos of an album come one update each,
// in order: the first of a media group gets the answer, the others are
// added silently, and the album ends when the resident sends something
// else or presses a button.
func (b *Bot) intakePhoto(c tele.Context, d *tgstate.Dialog) error {
	data, err := decodeIntake(d)
	if err != nil {
		return b.fail(c, err)
	}
	m := c.Message()
	sameAlbum := m.AlbumID != "" && m.AlbumID == data.Album
	if d.State != stepDirection && d.State != stepDetails {
		if sameAlbum {
			return nil
		}
		if m.AlbumID != "" {
			data.Album = m.AlbumID
			if err := b.saveIntake(c, d.State, data); err != nil {
				return b.fail(c, err)
			}
		}
		return c.Send(expectText(d.State))
	}
	added := addPhoto(data, m)
	warn := !added && (m.AlbumID == "" || data.Warned != m.AlbumID)
	if warn {
		data.Warned = m.AlbumID
	}
	data.Album = m.AlbumID
	if err := b.saveIntake(c, d.State, data); err != nil {
		return b.fail(c, err)
	}
	_, described := description(data.Text)
	switch {
	case warn:
		return c.Send(render.TextIntakeTooManyPhotos)
	case sameAlbum:
		return nil
	case d.State == stepDirection:
		return b.promptIntake(c, "", d.State, data, render.TextIntakePhotoDirection)
	case !described:
		return b.promptIntake(c, "", d.State, data, render.TextIntakePhotoNeedsText)
	}
	return b.promptIntake(c, "", d.State, data, render.TextIntakePhotoSaved)
}

// intakeLocation takes a place on the map: at the location step, or right
// after the description (skipping «Дальше»).
func (b *Bot) intakeLocation(c tele.Context, d *tgstate.Dialog) error {
	data, err := decodeIntake(d)
	if err != nil {
		return b.fail(c, err)
	}
	switch d.State {
	case stepDetails:
		if _, ok := description(data.Text); !ok {
			return c.Send(render.TextIntakeNeedText)
		}
	case stepLocation:
	default:
		return c.Send(expectText(d.State))
	}
	loc := c.Message().Location
	data.Location = &workflow.Location{Latitude: degrees(loc.Lat), Longitude: degrees(loc.Lng)}
	data.Address = ""
	return b.moveIntake(c, d.State, data, evNext)
}

// intakeContact takes the resident's own phone at the phone step.
func (b *Bot) intakeContact(c tele.Context, d *tgstate.Dialog) error {
	if d.State != stepPhone {
		return c.Send(expectText(d.State))
	}
	data, err := decodeIntake(d)
	if err != nil {
		return b.fail(c, err)
	}
	contact := c.Message().Contact
	if contact.UserID != c.Sender().ID {
		return c.Send(render.TextIntakeNotOwnContact)
	}
	phone, ok := parsePhone(contact.PhoneNumber)
	if !ok {
		return c.Send(render.TextIntakeBadPhone)
	}
	data.Phone = phone
	return b.moveIntake(c, d.State, data, evNext)
}

// degrees widens a coordinate telebot decoded as float32 to the float64
// Telegram sent: the shortest decimal that reads back as the same float32
// is what was sent (59.1175, not 59.11750030517578).
func degrees(f float32) float64 {
	d, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'f', -1, 32), 64)
	if err != nil {
		return float64(f)
	}
	return d
}

// expectText says what the intake step expects, for input it cannot take
// (a sticker, a voice message, a file).
func expectText(step string) string {
	switch step {
	case stepDirection:
		return render.TextExpectDirection
	case stepDetails:
		return render.TextExpectDetails
	case stepLocation:
		return render.TextExpectLocation
	case stepPhone:
		return render.TextExpectPhone
	case stepConfirm, stepEdit:
		return render.TextExpectButton
	}
	return render.TextExpectOther
}
