package telegramtest

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // DecodeConfig of photos users upload
	_ "image/jpeg" // likewise
	_ "image/png"  // likewise
	"unicode/utf8"
)

// Changed returns a channel that is closed at the next change of the
// server's state: a message sent, edited or deleted, an update queued, a
// call recorded. Call it again for the change after that. A live view
// (mcu demo's page) waits on it instead of polling.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// SendPhotoData delivers a photo a user uploads: data must be a JPEG, PNG
// or GIF image (Telegram refuses to send anything else as a photo). The
// photo comes in the sizes Telegram would make of it, each holding data.
func (s *Server) SendPhotoData(from User, data []byte, caption string, opts ...SendOption) (Message, error) {
	if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
		return Message{}, fmt.Errorf("telegramtest: not a photo: %w", err)
	}
	if len(data) > maxUserPhotoBytes {
		return Message{}, fmt.Errorf("telegramtest: photo of %d bytes is over %d", len(data), maxUserPhotoBytes)
	}
	if utf8.RuneCountInString(caption) > maxCaptionLength {
		return Message{}, fmt.Errorf("telegramtest: caption over %d characters", maxCaptionLength)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	m.Photo, m.Caption = s.newPhotoLocked(data), caption
	return s.finishLocked(cs, m), nil
}

// maxUserPhotoBytes is the largest photo SendPhotoData takes (Telegram
// clients send photos of up to 10 MB).
const maxUserPhotoBytes = 10 << 20
