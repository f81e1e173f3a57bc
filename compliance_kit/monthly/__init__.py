"""Scheduled evidence runs: `compliance-kit run --config kit.yaml` and `compliance-kit init`.

config.py (kit.yaml and its schema), period.py (period names), package.py (period folder, MANIFEST.sha256,
package.zip, atomic replace, previous/, retention, verify_package), history.py (delta.json and the score
trend), deliver.py (S3), run.py (orchestration), cli.py (the click commands).
"""
