from moderator import create_app

app = create_app()
