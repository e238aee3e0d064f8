;;; lspshare.el --- Read Go code together with Eglot, following one navigator  -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The lspshare authors

;; Author: The lspshare authors
;; Maintainer: The lspshare authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "30.1"))
;; Keywords: tools, languages
;; URL: https://github.com/lspshare/lspshare
;; SPDX-License-Identifier: GPL-3.0-or-later

;; This file is not part of GNU Emacs.

;; This program is free software: you can redistribute it and/or modify
;; it under the terms of the GNU General Public License as published by
;; the Free Software Foundation, either version 3 of the License, or
;; (at your option) any later version.

;; This program is distributed in the hope that it will be useful,
;; but WITHOUT ANY WARRANTY; without even the implied warranty of
;; MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
;; GNU General Public License for more details.

;; You should have received a copy of the GNU General Public License
;; along with this program.  If not, see <https://www.gnu.org/licenses/>.

;;; Commentary:

;; lspshare lets a group read code together, each in their own editor,
;; all following one navigator.  Every participant's editor runs
;; "lspshare lsp" as its Go language server in place of gopls; the proxy
;; runs gopls, relays everything unchanged, and talks to a session hub.
;;
;; This package makes Eglot (built into Emacs) a first-class lspshare
;; client.  `lspshare-mode' (a global minor mode):
;;
;; - registers "lspshare lsp" for Go buffers in `eglot-server-programs',
;;   with the join link in the proxy's environment, never its arguments;
;;   gopls settings in `eglot-workspace-configuration' reach gopls as
;;   before;
;; - makes the folder holding go.work or go.mod the project root of files
;;   outside version control, so that one proxy serves a module instead of
;;   one per package directory;
;; - shows the session in the mode line ("following potsbo", "paused",
;;   "driving · 5 following") and the navigator's cursor, with their name,
;;   in your own copy of the file.
;;
;; Commands: `lspshare-join', `lspshare-follow', `lspshare-unfollow',
;; `lspshare-jump', `lspshare-drive', `lspshare-pass', `lspshare-status',
;; `lspshare-leave', `lspshare-note' and `lspshare-ask'.
;;
;; Set-up:
;;
;;   (setq lspshare-link "http://127.0.0.1:7777/s/main?key=...")
;;   (lspshare-mode 1)
;;   (add-hook 'go-mode-hook #'eglot-ensure)

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'project)
(require 'subr-x)

(defgroup lspshare nil
  "Read Go code together, following one navigator."
  :group 'tools
  :prefix "lspshare-")

(defcustom lspshare-command '("lspshare" "lsp")
  "The command that starts the lspshare proxy, a list of strings."
  :type '(repeat string))

(defcustom lspshare-link nil
  "The session's join link, or nil to join later with `lspshare-join'.
It holds a session key, so the proxy gets it in its environment
\(LSPSHARE_JOIN), which only you can read, never in its arguments,
which every local user can.  The environment's own LSPSHARE_JOIN is
used when this is nil."
  :type '(choice (const :tag "None" nil) string))

(defcustom lspshare-name nil
  "Your name in the session, or nil for the proxy's default."
  :type '(choice (const :tag "Default" nil) string))

(defcustom lspshare-modes
  '(go-mode go-dot-mod-mode go-dot-work-mode go-ts-mode go-mod-ts-mode)
  "The major modes whose Eglot server is lspshare.
Changes take effect when `lspshare-mode' is turned on again."
  :type '(repeat symbol))

(defface lspshare-cursor '((t :inherit cursor :inverse-video t))
  "Face of the navigator's cursor in your copy of the file.")

(defface lspshare-cursor-name '((t :inherit font-lock-comment-face :slant italic))
  "Face of the navigator's name beside their cursor.")

(defface lspshare-mode-line '((t :inherit mode-line-emphasis))
  "Face of the session's state in the mode line.")

;;;; The proxy as an Eglot server

(defclass lspshare-server (eglot-lsp-server)
  ((state :initform nil :accessor lspshare--server-state
          :documentation "The proxy's last $/lspshare/state, a plist."))
  :documentation "An Eglot connection to \"lspshare lsp\".")

(defvar lspshare--servers nil
  "The lspshare servers connected, newest first; dead ones are pruned.")

(defun lspshare--connected (server)
  "Remember SERVER once connected, for commands run outside its buffers."
  (when (cl-typep server 'lspshare-server)
    (push server lspshare--servers)))

(defun lspshare--environment ()
  "The proxy's environment: Emacs's, with the link and the name."
  (append (and lspshare-link (list (concat "LSPSHARE_JOIN=" lspshare-link)))
          (and lspshare-name (list (concat "LSPSHARE_NAME=" lspshare-name)))
          process-environment))

(defun lspshare--start-proxy (connection)
  "Start the proxy for CONNECTION in the project's root, as Eglot would."
  (let ((process-environment (lspshare--environment))
        (name (jsonrpc-name connection)))
    (make-process
     :name name
     :command lspshare-command
     :connection-type 'pipe
     :coding 'utf-8-emacs-unix
     :noquery t
     ;; jsonrpc has made this buffer: it shows the proxy's stderr.
     :stderr (get-buffer-create (format "*%s stderr*" name))
     :file-handler t)))

(defconst lspshare--contact '(lspshare-server :process lspshare--start-proxy)
  "The `eglot-server-programs' contact of lspshare: a class and its initargs.")

(defun lspshare--servers ()
  "The lspshare servers running, newest first."
  (setq lspshare--servers (cl-remove-if-not #'jsonrpc-running-p lspshare--servers)))

(defun lspshare--server ()
  "The lspshare server of this buffer, else the newest one, or nil."
  ;; Only in managed buffers: elsewhere `eglot-current-server' looks for
  ;; the buffer's project, which the mode line would do at each redisplay.
  (let ((here (and (eglot-managed-p) (eglot-current-server))))
    (if (cl-typep here 'lspshare-server) here (car (lspshare--servers)))))

;;;; Project roots outside version control

(defun lspshare-project-find (dir)
  "Return a project for DIR: the folder holding go.work or go.mod above it.
`lspshare-mode' adds this to `project-find-functions' after the
version-control backend, so that it counts only outside a repository.
Without it Eglot takes each package folder for a project of its own,
and starts a proxy, hence a participant, for each."
  (when-let* ((root (or (locate-dominating-file dir "go.work")
                        (locate-dominating-file dir "go.mod"))))
    (cons 'lspshare-go (file-name-as-directory (expand-file-name root)))))

(cl-defmethod project-root ((project (head lspshare-go)))
  "The folder of PROJECT's go.work or go.mod."
  (cdr project))

;;;; Session state and the mode line

(defun lspshare--true (value)
  "Whether VALUE, a JSON value, is true."
  (eq value t))

(defun lspshare-summary (&optional state)
  "STATE (default: this buffer's proxy's) in a few words, or \"\".
For example \"following potsbo\", \"paused\" or \"driving · 5 following\"."
  (let ((s (or state (when-let* ((server (lspshare--server)))
                       (lspshare--server-state server)))))
    (cond
     ((null s) "")
     ((string-empty-p (or (plist-get s :session) ""))
      (let ((err (or (plist-get s :error) "")))
        (if (string-empty-p err) "" (concat "lspshare: " err))))
     (t (concat (lspshare--summary-joined s)
                (if (plist-get s :mismatch) " · other commit" ""))))))

(defun lspshare--summary-joined (s)
  "The state S of a joined session in a few words."
  (let ((wheel (or (plist-get s :wheel) "")))
    (cond
     ((not (lspshare--true (plist-get s :connected)))
      ;; Before the first connection the proxy is connecting.
      (if (lspshare--true (plist-get s :reconnecting)) "reconnecting" "connecting"))
     ((and (not (string-empty-p wheel)) (equal wheel (plist-get s :you)))
      (format "driving · %d following" (or (plist-get s :followers) 0)))
     ((lspshare--true (plist-get s :paused)) "paused")
     ((lspshare--true (plist-get s :following))
      (if (string-empty-p wheel) "following (no navigator)" (concat "following " wheel)))
     (t "not following"))))

(defvar lspshare--mode-line-map
  (let ((map (make-sparse-keymap)))
    (define-key map [mode-line mouse-1] #'lspshare-follow)
    (define-key map [mode-line mouse-3] #'lspshare-status)
    map)
  "Keys of the session's state in the mode line.")

(defun lspshare--mode-line ()
  "The mode line's lspshare text."
  (let ((text (lspshare-summary)))
    (unless (string-empty-p text)
      (concat " "
              (propertize text 'face 'lspshare-mode-line
                          'help-echo "lspshare: mouse-1 follows, mouse-3 shows the session"
                          'local-map lspshare--mode-line-map
                          'mouse-face 'mode-line-highlight)))))

(defconst lspshare--mode-line-entry '(:eval (lspshare--mode-line))
  "The entry of `global-mode-string' that shows the session.")

(defun lspshare--on-state (server state)
  "From SERVER, take STATE: a $/lspshare/state or a command's answer."
  (when (plist-member state :session)
    (let ((old (lspshare--server-state server)))
      (setf (lspshare--server-state server) state)
      (lspshare--tell-changes old state)
      (lspshare--forget-cursors-except (plist-get state :wheel))
      (force-mode-line-update t))))

(defun lspshare--tell-changes (old new)
  "Tell what changed for you from state OLD to NEW."
  (let ((err (or (plist-get new :error) "")))
    (when (and (not (string-empty-p err)) (not (equal err (plist-get old :error))))
      (message "lspshare: %s" err)))
  (when (and (plist-get new :mismatch) (not (plist-get old :mismatch)))
    (let ((m (plist-get new :mismatch)))
      (message "lspshare: your checkout is at %s, %s is at %s: places may not match"
               (lspshare--short (plist-get m :yours))
               (or (plist-get new :wheel) "the navigator")
               (lspshare--short (plist-get m :wheel))))))

(defun lspshare--short (commit)
  "COMMIT, shortened."
  (substring (or commit "?") 0 (min 12 (length (or commit "?")))))

(cl-defmethod eglot-handle-notification
  ((server lspshare-server) (_method (eql $/lspshare/state)) &rest state)
  "Keep SERVER's session STATE."
  (lspshare--on-state server state))

;;;; The navigator's cursor

(defvar lspshare--cursors (make-hash-table :test #'equal)
  "Participants' cursors by name: plists of :uri, :range and :overlay.")

(cl-defmethod eglot-handle-notification
  ((_server lspshare-server) (_method (eql $/lspshare/cursor))
   &key uri range name &allow-other-keys)
  "Show, for SERVER, the cursor at URI and RANGE of participant NAME."
  (lspshare--forget-cursor name)
  (puthash name (list :uri uri :range range) lspshare--cursors)
  (when-let* ((buffer (find-buffer-visiting (eglot-uri-to-path uri))))
    (lspshare--draw-cursor name buffer)))

(defun lspshare--draw-cursor (name buffer)
  "Draw NAME's cursor in BUFFER, which visits its file."
  (let ((cursor (gethash name lspshare--cursors)))
    (with-current-buffer buffer
      (save-restriction
        (widen)
        (let* ((region (eglot-range-region (plist-get cursor :range)))
               (beg (car region))
               (end (max (cdr region) (min (1+ beg) (line-end-position))))
               (overlay (make-overlay beg end nil t nil)))
          (overlay-put overlay 'lspshare-cursor name)
          (overlay-put overlay 'face 'lspshare-cursor)
          (overlay-put overlay 'help-echo (format "%s's cursor" name))
          (overlay-put overlay 'after-string
                       (propertize (concat " ◀ " name) 'face 'lspshare-cursor-name))
          (puthash name (plist-put cursor :overlay overlay) lspshare--cursors))))))

(defun lspshare--forget-cursor (name)
  "Remove NAME's cursor."
  (when-let* ((overlay (plist-get (gethash name lspshare--cursors) :overlay)))
    (delete-overlay overlay))
  (remhash name lspshare--cursors))

(defun lspshare--forget-cursors-except (wheel)
  "Remove every cursor but the navigator's, named WHEEL."
  (dolist (name (hash-table-keys lspshare--cursors))
    (unless (equal name wheel)
      (lspshare--forget-cursor name))))

(defun lspshare--draw-cursors-here ()
  "Draw the cursors that are in the file this buffer just visited."
  (when buffer-file-name
    (maphash (lambda (name cursor)
               (let ((overlay (plist-get cursor :overlay)))
                 ;; Not drawn yet, or drawn in a buffer since killed.
                 (unless (and overlay (overlay-buffer overlay))
                   (when (eq (find-buffer-visiting
                              (eglot-uri-to-path (plist-get cursor :uri)))
                             (current-buffer))
                     (lspshare--draw-cursor name (current-buffer))))))
             lspshare--cursors)))

;;;; Your own cursor

(defcustom lspshare-cursor-delay 0.15
  "Seconds your cursor rests before it is sent to the proxy."
  :type 'number)

(defvar lspshare--cursor-timer nil
  "The timer that sends your cursor, or nil.")

(defvar lspshare--cursor-sent nil
  "Your cursor as last sent: (BUFFER . POSITION).")

(defun lspshare--cursor-moved ()
  "Send your cursor to this buffer's proxy once it rests.
The proxy shows the navigator's to everyone, and pauses an attendee
who moves far from the navigator."
  (when (and (eglot-managed-p)
             (cl-typep (eglot-current-server) 'lspshare-server)
             (not (equal lspshare--cursor-sent (cons (current-buffer) (point)))))
    (when (timerp lspshare--cursor-timer)
      (cancel-timer lspshare--cursor-timer))
    (setq lspshare--cursor-timer
          (run-with-timer lspshare-cursor-delay nil #'lspshare--send-cursor (current-buffer)))))

(defun lspshare--send-cursor (buffer)
  "Send the cursor of BUFFER to its proxy."
  (setq lspshare--cursor-timer nil)
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (let ((server (eglot-current-server)))
        (when (and (cl-typep server 'lspshare-server) buffer-file-name)
          (setq lspshare--cursor-sent (cons buffer (point)))
          (jsonrpc-notify server :$/lspshare/cursor
                          (list :uri (eglot-path-to-uri buffer-file-name)
                                ;; In the negotiated encoding, as Eglot counts.
                                :position (eglot--pos-to-lsp-position))))))))

;;;; Commands

(defvar lspshare-mode) ; defined below, with what it turns on

(defun lspshare--error-text (err)
  "The text of ERR, a jsonrpc-error or another error."
  (or (alist-get 'jsonrpc-error-message (cdr err))
      (error-message-string err)))

(defun lspshare--execute (server command &rest arguments)
  "On SERVER, run the proxy COMMAND with ARGUMENTS: return its answer."
  (let ((params (list :command command :arguments (vconcat arguments))))
    ;; Eglot's requests first send the current buffer's changes, and fail
    ;; an assertion in a buffer that Eglot does not manage (*scratch*).
    (if (memq (current-buffer) (eglot--managed-buffers server))
        (eglot-execute server params)
      (jsonrpc-request server :workspace/executeCommand params))))

(defun lspshare--run (command &rest arguments)
  "Run COMMAND with ARGUMENTS on this buffer's proxy and tell the outcome.
Return the answer, or nil after telling why there is none: errors
become messages."
  (condition-case err
      (let* ((server (or (lspshare--server) (lspshare--no-server)))
             (answer (apply #'lspshare--execute server command arguments)))
        (lspshare--on-state server answer)
        (unless (equal command "lspshare.status")
          (lspshare--tell-answer answer))
        answer)
    (error (message "lspshare: %s" (lspshare--error-text err)) nil)))

(defun lspshare--run-everywhere (command &rest arguments)
  "Run COMMAND with ARGUMENTS on every proxy; tell this buffer's outcome."
  (let ((here (lspshare--server)))
    (dolist (server (lspshare--servers))
      (unless (eq server here)
        (condition-case err
            (lspshare--on-state server (apply #'lspshare--execute server command arguments))
          (error (message "lspshare: %s: %s" (jsonrpc-name server) (lspshare--error-text err))))))
    (apply #'lspshare--run command arguments)))

(defun lspshare--no-server ()
  "Signal why there is no proxy to run a command on."
  (error "No lspshare proxy is running: open a Go file with `lspshare-mode' on (is \"%s\" on PATH?)"
         (car lspshare-command)))

(defun lspshare--tell-answer (answer)
  "Tell a command's ANSWER: the state after it, or a note's number."
  (cond ((plist-member answer :session)
         (let ((summary (lspshare-summary answer)))
           (message "lspshare: %s" (if (string-empty-p summary) "not in a session" summary))))
        ((plist-get answer :id)
         (message "lspshare: note %d pinned" (plist-get answer :id)))))

(defun lspshare--participants (&optional pred)
  "Names of the session's other participants satisfying PRED (a plist test)."
  (let ((state (and (lspshare--server) (lspshare--server-state (lspshare--server)))))
    (cl-loop for p across (or (plist-get state :participants) [])
             for name = (plist-get p :name)
             unless (or (equal name (plist-get state :you))
                        (and pred (not (funcall pred p))))
             collect name)))

;;;###autoload
(defun lspshare-join (link)
  "Join the session of LINK, a join link from \"lspshare hub\" or \"lspshare new\".
The running proxies join it; with none yet, the proxy that the next Go
file starts does."
  (interactive (list (read-string "lspshare join link: ")))
  (setq lspshare-link link)
  (cond
   ((lspshare--servers) (lspshare--run-everywhere "lspshare.join" link))
   ((eglot-current-server)
    (message "lspshare: this buffer's Eglot runs %s, not lspshare: turn on `lspshare-mode', then M-x eglot-reconnect"
             (jsonrpc-name (eglot-current-server))))
   ((and lspshare-mode buffer-file-name (apply #'derived-mode-p lspshare-modes))
    (message "lspshare: starting the proxy to join the session")
    (call-interactively #'eglot))
   (t (message "lspshare: the proxy that the next Go file starts will join the session"))))

;;;###autoload
(defun lspshare-follow ()
  "Follow the navigator, going at once to where they are now."
  (interactive)
  (lspshare--run "lspshare.follow"))

;;;###autoload
(defun lspshare-unfollow ()
  "Stop following the navigator."
  (interactive)
  (lspshare--run "lspshare.unfollow"))

;;;###autoload
(defun lspshare-jump (&optional name)
  "Go once to NAME's place (default: the navigator's), without following."
  (interactive
   (list (let ((names (lspshare--participants)))
           (completing-read "lspshare jump to (empty: the navigator): " names))))
  (if (or (null name) (string-empty-p name))
      (lspshare--run "lspshare.jump")
    (lspshare--run "lspshare.jump" name)))

;;;###autoload
(defun lspshare-drive ()
  "Take the wheel (drive link only)."
  (interactive)
  (lspshare--run "lspshare.drive"))

;;;###autoload
(defun lspshare-pass (name)
  "Pass the wheel to NAME, who joined with the drive link."
  (interactive
   (list (completing-read "lspshare pass the wheel to: "
                          (lspshare--participants
                           (lambda (p) (equal (plist-get p :role) "drive")))
                          nil t)))
  (lspshare--run "lspshare.pass" name))

;;;###autoload
(defun lspshare-leave ()
  "Leave the session; Go features go on locally."
  (interactive)
  (setq lspshare-link nil)
  (lspshare--run-everywhere "lspshare.leave"))

;;;###autoload
(defun lspshare-status ()
  "Show the session: who is in it, who navigates, who follows."
  (interactive)
  (when-let* ((state (lspshare--run "lspshare.status")))
    (message "%s" (lspshare-describe state))
    state))

(defun lspshare-describe (state)
  "STATE as lines of text, for `lspshare-status'."
  (if (string-empty-p (or (plist-get state :session) ""))
      (concat "lspshare: not in a session (M-x lspshare-join)"
              (lspshare--last-error state))
    (concat
     (format "lspshare: session %s on %s, you are %s (%s): %s"
             (plist-get state :session) (or (plist-get state :hub) "?")
             (or (plist-get state :you) "?") (or (plist-get state :role) "?")
             (lspshare-summary state))
     (mapconcat #'lspshare--describe-participant (plist-get state :participants) "")
     (lspshare--last-error state))))

(defun lspshare--describe-participant (p)
  "A line of `lspshare-describe' for participant P."
  (format "\n  %-16s %-6s %s" (plist-get p :name) (or (plist-get p :role) "")
          (string-join
           (delq nil (list (and (lspshare--true (plist-get p :wheel)) "navigating")
                           (and (lspshare--true (plist-get p :following)) "following")
                           (and (plist-get p :hand) "hand up")
                           (and (not (lspshare--true (plist-get p :connected))) "offline")))
           ", ")))

(defun lspshare--last-error (state)
  "STATE's error as a line of its own, or \"\"."
  (let ((err (or (plist-get state :error) "")))
    (if (string-empty-p err) "" (concat "\nlast error: " err))))

;;;; Notes

(defun lspshare--pin (text question)
  "Pin TEXT to the region or point, as a QUESTION if non-nil."
  (unless buffer-file-name
    (user-error "Notes are pinned to a place in a file"))
  (let ((beg (if (use-region-p) (region-beginning) (point)))
        (end (if (use-region-p) (region-end) (point))))
    (lspshare--run "lspshare.note"
                   (list :uri (eglot-path-to-uri buffer-file-name)
                         ;; Eglot's own conversion, in the negotiated encoding.
                         :range (list :start (eglot--pos-to-lsp-position beg)
                                      :end (eglot--pos-to-lsp-position end))
                         :text text
                         :question (if question t :json-false)))))

;;;###autoload
(defun lspshare-note (text)
  "Pin a note saying TEXT to the region or point, for every participant."
  (interactive "slspshare note: ")
  (lspshare--pin text nil))

;;;###autoload
(defun lspshare-ask (text)
  "Ask the question TEXT about the region or point."
  (interactive "slspshare question: ")
  (lspshare--pin text t))

;;;; The mode

;;;###autoload
(define-minor-mode lspshare-mode
  "Share Go code reading through lspshare, with Eglot.
Registers \"lspshare lsp\" for `lspshare-modes' in
`eglot-server-programs', roots projects outside version control at
their go.work or go.mod, and shows the session in the mode line and
the navigator's cursor in your buffers, and sends yours to the proxy."
  :global t
  :group 'lspshare
  (let ((entry (cons lspshare-modes lspshare--contact)))
    (setq eglot-server-programs
          (cl-remove lspshare--contact eglot-server-programs :key #'cdr :test #'equal))
    (remove-hook 'project-find-functions #'lspshare-project-find)
    (remove-hook 'find-file-hook #'lspshare--draw-cursors-here)
    (remove-hook 'eglot-connect-hook #'lspshare--connected)
    (remove-hook 'post-command-hook #'lspshare--cursor-moved)
    (setq global-mode-string (delete lspshare--mode-line-entry global-mode-string))
    (when lspshare-mode
      (push entry eglot-server-programs)
      ;; After the version-control backend (depth 0): a repository's root wins.
      (add-hook 'project-find-functions #'lspshare-project-find 90)
      (add-hook 'find-file-hook #'lspshare--draw-cursors-here)
      (add-hook 'eglot-connect-hook #'lspshare--connected)
      (add-hook 'post-command-hook #'lspshare--cursor-moved)
      (unless (listp global-mode-string)
        (setq global-mode-string (list global-mode-string)))
      (setq global-mode-string (append global-mode-string (list lspshare--mode-line-entry))))))

(provide 'lspshare)
;;; lspshare.el ends here
