package server

import "net/http"

// Invitee pages: /invite/{token} (email invitations) and /join/{token}
// (invite links). Stubs until built.

func (s *Server) handleInvitePage(w http.ResponseWriter, r *http.Request) error   { return errNotFound }
func (s *Server) handleInviteAccept(w http.ResponseWriter, r *http.Request) error { return errNotFound }
func (s *Server) handleAskNewInvitation(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleJoinPage(w http.ResponseWriter, r *http.Request) error  { return errNotFound }
func (s *Server) handleJoinStart(w http.ResponseWriter, r *http.Request) error { return errNotFound }
func (s *Server) handleJoinConfirmCode(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleJoinConfirmLinkPage(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleJoinConfirmLink(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
