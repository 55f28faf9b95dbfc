package server

import "net/http"

func (s *Server) handleAddUsers(w http.ResponseWriter, r *http.Request) error { return errNotFound }
func (s *Server) handleCheckAddresses(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleInviteByEmail(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleCreateLink(w http.ResponseWriter, r *http.Request) error { return errNotFound }
func (s *Server) handleInvitationLink(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleJoinedThrough(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleInvitationAction(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleInvitationsBulk(w http.ResponseWriter, r *http.Request) error {
	return errNotFound
}
func (s *Server) handleApprovePage(w http.ResponseWriter, r *http.Request) error { return errNotFound }
func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) error     { return errNotFound }
func (s *Server) handleDeny(w http.ResponseWriter, r *http.Request) error        { return errNotFound }
func (s *Server) handleDevOutbox(w http.ResponseWriter, r *http.Request) error   { return errNotFound }
