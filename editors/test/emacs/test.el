;;; test.el --- Real-editor test: Emacs + eglot + `sherpa lsp' on the seed draft  -*- lexical-binding: t -*-
;;
;; Run by editors/test/run-all.sh:  emacs --batch -l editors/test/emacs/test.el
;; (not -Q: Debian's site-start puts elpa-eglot on the load-path on Emacs 28)
;; Environment (set by the driver):
;;   SHERPA_EDITORS_README  editors/README.md: its tested Emacs snippet is evaluated as written
;;   SHERPA_TEST_DRAFT      a copy of tests/fixtures/seed.txt in a scratch folder
;;   SHERPA_TEST_CLI        JSON: `sherpa check --format json' of the same draft
;;   SHERPA_TEST_EXPECT     JSON: the expected findings {rule, line, column}
;;   SHERPA_TEST_REPORT     where to write the report; exit status 0 only if all passed
;; `sherpa' itself is found on PATH (exec-path), as the README's snippet expects.

(require 'cl-lib)
(require 'json)
(require 'subr-x)

(defvar sherpa-test--lines nil)
(defvar sherpa-test--failures 0)
(defvar sherpa-test--start (float-time))

(defun sherpa-test--log (line) (push line sherpa-test--lines))

(defun sherpa-test--check (ok what &optional detail)
  (if ok
      (sherpa-test--log (concat "ok - " what))
    (cl-incf sherpa-test--failures)
    (sherpa-test--log (concat "not ok - " what
                              (if detail (concat "\n    " (replace-regexp-in-string "\n" "\n    " detail)) ""))))
  ok)

(defun sherpa-test--finish ()
  (sherpa-test--log (format "%d passed, %d failed"
                            (cl-count-if (lambda (l) (string-prefix-p "ok - " l)) sherpa-test--lines)
                            sherpa-test--failures))
  (with-temp-file (getenv "SHERPA_TEST_REPORT")
    (insert (mapconcat #'identity (reverse sherpa-test--lines) "\n") "\n"))
  (kill-emacs (if (zerop sherpa-test--failures) 0 1)))

(defun sherpa-test--read-json (file)
  (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
    (json-read-file file)))

(defun sherpa-test--tested-snippet (readme)
  "The elisp block after the `tested: emacs' marker in README."
  (with-temp-buffer
    (insert-file-contents readme)
    (goto-char (point-min))
    (unless (search-forward "<!-- tested: emacs" nil t)
      (error "No tested Emacs snippet in %s" readme))
    (re-search-forward "^```elisp\n")
    (let ((start (point)))
      (re-search-forward "^```$")
      (buffer-substring-no-properties start (match-beginning 0)))))

(defun sherpa-test--key (rule line column) (format "%s@%d:%d" rule line column))

(defun sherpa-test--flymake-findings ()
  "The buffer's Flymake diagnostics as rule@line:column strings (1-based, characters)."
  (sort
   (cl-loop for d in (flymake-diagnostics)
            for lsp = (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d))
            when (equal (plist-get lsp :source) "sherpa")
            collect (save-excursion
                      (goto-char (flymake-diagnostic-beg d))
                      (sherpa-test--key (plist-get lsp :code)
                                        (line-number-at-pos)
                                        (1+ (current-column)))))
   #'string<))

(defun sherpa-test--wait (seconds predicate &optional idle)
  "Spin the event loop (process output, timers) until PREDICATE or SECONDS pass.
With IDLE, also run the idle timers each round: batch Emacs is never idle, and eglot sends
didChange, like Flymake restarts its check, from idle timers."
  (let ((deadline (+ (float-time) seconds)) (ok nil))
    (while (and (not (setq ok (funcall predicate))) (< (float-time) deadline))
      (when idle
        (dolist (timer (copy-sequence timer-idle-list))
          (timer-event-handler timer)))
      (accept-process-output nil 0.05))
    ok))

(defun sherpa-test--run ()
  (sherpa-test--log (format "# %s" (replace-regexp-in-string "\n" " " (emacs-version))))
  (eval (car (read-from-string (concat "(progn " (sherpa-test--tested-snippet (getenv "SHERPA_EDITORS_README")) ")"))) t)
  (sherpa-test--check (cl-some (lambda (entry)
                                 (let ((modes (car entry)))
                                   (if (listp modes) (memq 'text-mode modes) (eq modes 'text-mode))))
                               eglot-server-programs)
                      "the README snippet registers sherpa for text-mode")
  (let* ((expect (sherpa-test--read-json (getenv "SHERPA_TEST_EXPECT")))
         (expected (sort (mapcar (lambda (f) (sherpa-test--key (alist-get 'rule f) (alist-get 'line f) (alist-get 'column f)))
                                 (alist-get 'findings expect))
                         #'string<))
         (expected-rules (delete-dups (mapcar (lambda (f) (alist-get 'rule f)) (alist-get 'findings expect))))
         (cli (sort (mapcar (lambda (f)
                              (let ((start (alist-get 'start (alist-get 'range f))))
                                (sherpa-test--key (alist-get 'rule f) (alist-get 'line start) (alist-get 'column start))))
                            (sherpa-test--read-json (getenv "SHERPA_TEST_CLI")))
                    #'string<)))
    (find-file (getenv "SHERPA_TEST_DRAFT"))
    (sherpa-test--check (eq major-mode 'text-mode) "the draft opens in text-mode" (format "%s" major-mode))
    ;; eglot-ensure (from the snippet's hook) connects after the next command.
    (run-hooks 'post-command-hook)
    (sherpa-test--check (sherpa-test--wait 15 (lambda () (and (eglot-current-server) eglot--managed-mode)))
                        "eglot manages the draft with the sherpa server")
    (sherpa-test--check (and (boundp 'flymake-mode) flymake-mode) "flymake is on in the draft")
    (let ((got (sherpa-test--wait 30 (lambda () (equal (sherpa-test--flymake-findings) cli))))
          (found (sherpa-test--flymake-findings)))
      (sherpa-test--log (format "# %d flymake diagnostics after %.2f s" (length found) (- (float-time) sherpa-test--start)))
      (sherpa-test--check got "flymake shows exactly what `sherpa check' reports"
                          (format "cli: %s\n  flymake: %s" (string-join cli " ") (string-join found " ")))
      (let ((of-rules (cl-remove-if-not (lambda (k) (member (car (split-string k "@")) expected-rules)) found)))
        (sherpa-test--check (equal of-rules expected)
                            (format "the %d expected findings, at their lines and columns" (length expected))
                            (format "expected: %s\n  got: %s" (string-join expected " ") (string-join of-rules " "))))
      (let ((d (car (flymake-diagnostics))))
        (sherpa-test--check (and d (string-prefix-p "sherpa [" (flymake-diagnostic-text d)))
                            "flymake's message names the source and the rule"
                            (and d (flymake-diagnostic-text d)))))
    ;; The quick fix, as `M-x eglot-code-actions' on the finding offers it.
    (let* ((fix (alist-get 'quick_fix expect))
           (line (alist-get 'line fix))
           (title (cl-loop for f in (sherpa-test--read-json (getenv "SHERPA_TEST_CLI"))
                           when (and (equal (alist-get 'rule f) (alist-get 'rule fix))
                                     (= (alist-get 'line (alist-get 'start (alist-get 'range f))) line))
                           return (alist-get 'title (car (alist-get 'fixes f)))))
           (original (buffer-string))
           (offered nil))
      (goto-char (point-min))
      (forward-line (1- line))
      (cl-letf (((symbol-function 'completing-read)
                 (lambda (_prompt collection &rest _)
                   (setq offered (mapcar #'car collection))
                   title)))
        (eglot-code-actions (line-beginning-position) (line-end-position) "quickfix" t))
      (let ((want (with-temp-buffer
                    (insert original)
                    (goto-char (point-min))
                    (forward-line (1- line))
                    (delete-region (point) (progn (forward-line 1) (point)))
                    (buffer-string))))
        (sherpa-test--check (equal (buffer-string) want)
                            (format "eglot-code-actions applies \"%s\": line %d removed, nothing else" title line)
                            (format "offered: %S; %d lines now" offered (count-lines (point-min) (point-max)))))
      (let ((after (cl-loop for k in expected
                            for (rule pos) = (split-string k "@")
                            for (l c) = (mapcar #'string-to-number (split-string pos ":"))
                            unless (= l line)
                            collect (sherpa-test--key rule (if (> l line) (1- l) l) c))))
        (sherpa-test--check
         (sherpa-test--wait 15 (lambda ()
                                 (equal (sort (cl-remove-if-not (lambda (k) (member (car (split-string k "@")) expected-rules))
                                                                (sherpa-test--flymake-findings))
                                              #'string<)
                                        (sort after #'string<)))
                            'idle)
         "after the fix flymake follows the edit")))
    (sherpa-test--log (format "# total %.2f s" (- (float-time) sherpa-test--start)))
    (ignore-errors (eglot-shutdown (eglot-current-server)))))

(condition-case err
    (sherpa-test--run)
  (error (sherpa-test--check nil "the test script ran to the end" (format "%S" err))))
(sherpa-test--finish)
