"""The small shared connector SDK: config models, stream declarations, HTTP, state, and the airbyte-cdk and singer-sdk adapters"""
