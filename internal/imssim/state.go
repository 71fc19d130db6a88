package imssim

import "fmt"

// The catalog and the credentials can change while the simulator serves;
// each change takes effect for requests that arrive after it.

// SetCatalog replaces the catalog with copies of images. It panics on a
// record without a string id or on duplicate ids (see New).
func (s *Simulator) SetCatalog(images []Image) {
	norm, err := normalizeCatalog(images)
	if err != nil {
		panic(fmt.Sprintf("imssim: SetCatalog: %v", err))
	}
	entries := make([]*entry, len(norm))
	for i, img := range norm {
		if entries[i], err = newEntry(img); err != nil {
			panic(fmt.Sprintf("imssim: SetCatalog: %v", err))
		}
	}
	s.mu.Lock()
	s.snap = newSnapshot(entries)
	s.mu.Unlock()
}

// PutImage adds a copy of img, or replaces the record with the same id.
// It panics if img has no string id.
func (s *Simulator) PutImage(img Image) {
	norm, err := normalizeCatalog([]Image{img})
	if err != nil {
		panic(fmt.Sprintf("imssim: PutImage: %v", err))
	}
	e, err := newEntry(norm[0])
	if err != nil {
		panic(fmt.Sprintf("imssim: PutImage: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := make([]*entry, 0, len(s.snap.entries)+1)
	replaced := false
	for _, old := range s.snap.entries {
		if old.id == e.id {
			old, replaced = e, true
		}
		entries = append(entries, old)
	}
	if !replaced {
		entries = append(entries, e)
	}
	s.snap = newSnapshot(entries)
}

// DeleteImage removes the record with this id and reports whether there
// was one.
func (s *Simulator) DeleteImage(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := make([]*entry, 0, len(s.snap.entries))
	for _, e := range s.snap.entries {
		if e.id != id {
			entries = append(entries, e)
		}
	}
	if len(entries) == len(s.snap.entries) {
		return false
	}
	s.snap = newSnapshot(entries)
	return true
}

// Catalog returns copies of the catalog's records, in the order they were
// given, including simulator-only keys such as member_status.
func (s *Simulator) Catalog() []Image {
	s.mu.RLock()
	snap := s.snap
	s.mu.RUnlock()
	out := make([]Image, len(snap.entries))
	for i, e := range snap.entries {
		out[i] = deepCopy(e.img)
	}
	return out
}

// SetCredential accepts AK/SK signatures made with this pair (replacing
// any earlier credential for the AK, temporary or not).
func (s *Simulator) SetCredential(ak, sk string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds[ak] = credential{secretKey: sk}
}

// SetTemporaryCredential accepts this AK/SK only on requests that also
// carry securityToken in a signed X-Security-Token header.
func (s *Simulator) SetTemporaryCredential(ak, sk, securityToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds[ak] = credential{secretKey: sk, securityToken: securityToken}
}

// RemoveCredential stops accepting the AK.
func (s *Simulator) RemoveCredential(ak string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.creds, ak)
}

// AddToken accepts token as X-Auth-Token.
func (s *Simulator) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = struct{}{}
}

// RemoveToken stops accepting token.
func (s *Simulator) RemoveToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}
